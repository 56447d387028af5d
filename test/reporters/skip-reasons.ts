import type { Reporter, TestCase } from "vitest/node";

/**
 * Prints every skipped test at the end of a run. moatkit's skips carry their reason in the test
 * name ("skipped: REDIS_URL is not set …"), and a skip nobody sees is a silent gap in coverage.
 */
export default class SkipReasonsReporter implements Reporter {
  readonly #skipped: string[] = [];

  onTestCaseResult(testCase: TestCase): void {
    if (testCase.result().state === "skipped") {
      this.#skipped.push(`${testCase.module.moduleId.replace(`${process.cwd()}/`, "")} › ${testCase.fullName}`);
    }
  }

  onTestRunEnd(): void {
    if (this.#skipped.length === 0) return;
    process.stdout.write(`\nSkipped tests (${String(this.#skipped.length)}), with reasons:\n`);
    for (const line of this.#skipped) process.stdout.write(`  - ${line}\n`);
  }
}
