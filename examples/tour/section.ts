/** One chapter of the demo tour (`npm run demo`). */
export interface TourSection {
  readonly title: string;
  run(say: (line: string) => void): Promise<void>;
}
