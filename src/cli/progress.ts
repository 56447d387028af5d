/**
 * Progress on stderr, so stdout stays for results. On a terminal it is a cli-progress bar; in a
 * pipe or a log (no TTY) it is one plain line per update, which scripts and CI can read.
 */
import cliProgress from "cli-progress";
import { escapeControl, writeLines } from "./output.js";

/** A progress display for one long operation. */
export interface Progress {
  /** Sets how many units are done, with a short note (e.g. "rewrapped 1200"). */
  update(done: number, note?: string): void;
  /** Ends the display (the bar stays on screen at its last value). */
  stop(): void;
}

/** Options of {@link createProgress}. */
interface ProgressOptions {
  /** What is being done, e.g. "rewrap". */
  readonly label: string;
  /** How many units there are, when known. */
  readonly total: number;
  /** The unit, e.g. "rows" or "events". */
  readonly unit: string;
  /** Where to draw; default process.stderr. */
  readonly stream?: NodeJS.WriteStream;
}

/** A bar on a terminal, plain lines elsewhere. */
export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  // The label holds names typed on the command line; notes hold ids read from the database.
  const label = escapeControl(options.label);
  const total = Math.max(0, options.total);
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${label} [{bar}] {percentage}% | {value}/{total} ${options.unit} | {note}`,
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { note: "" });
    return {
      update(done, note = "") {
        bar.setTotal(Math.max(total, done));
        bar.update(done, { note: escapeControl(note) });
      },
      stop() {
        bar.stop();
      },
    };
  }
  return {
    update(done, note) {
      writeLines(
        (text) => stream.write(text),
        [`${label}: ${String(done)}/${String(total)} ${options.unit}${note === undefined ? "" : ` (${note})`}`],
      );
    },
    stop() {
      // Nothing to tidy up: every line is already complete.
    },
  };
}
