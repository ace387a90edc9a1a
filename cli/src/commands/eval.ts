import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { EvalScores, SimProgress } from '@tebura/sim';
import { flagBool, flagNumber, flagString, parseArgs, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { evalScenario } from '../eval-run.js';
import { clearLine, plotHtml, progressLine, table } from '../report.js';

/**
 * Default simulated seconds per wall second. At 'max' the simulator outruns the
 * edge's wall-clock bounds (gate decision wait, exit settle) and 03-put-backs
 * scored 0.625 once in three runs instead of 0.875; at 10x it repeats.
 */
const SPEED_DEFAULT = 10;
/** Default bound on waiting for sessions to close after the simulation, seconds. */
const CLOSE_WAIT_S_DEFAULT = 30;

/** One run per seed; `undefined` is the scenario's own seed. */
function seedsOf(seed: number | undefined, list: string | undefined): (number | undefined)[] {
  if (list === undefined) return [seed];
  if (seed !== undefined) throw new UsageError('give --seed or --seeds, not both');
  const seeds = list.split(',').map((x) => Number(x.trim()));
  if (seeds.length === 0 || seeds.some((x) => !Number.isSafeInteger(x))) throw new UsageError(`--seeds must be integers separated by commas, got '${list}'`);
  return seeds;
}

export const command: Command = {
  name: 'eval',
  summary: 'run scenarios through broker, cloud, edge and simulator and score receipts against ground truth',
  usage: [
    'usage: tebura eval <scenario.yaml>... [--seed N | --seeds N,N,...] [--json] [--speed N|max] [--broker URL] [--faces DIR] [--plot FILE] [--close-wait S]',
    '',
    '  --seed N        override the scenario seed',
    '  --seeds A,B,C   run every scenario once per seed (e.g. --seeds 101,202,303 simulators/scenarios/*.yaml)',
    '  --json          print exactly one JSON object (one scenario: its scores; several: {"runs": [...]})',
    `  --speed N|max   simulated seconds per wall second (default ${SPEED_DEFAULT}); max is fastest, but the edge's`,
    '                  wall-clock bounds (gate wait, exit settle) then make a few scenarios vary from run to run',
    '  --broker URL    use this MQTT broker (e.g. mqtt://127.0.0.1:1883) instead of the embedded one',
    '  --faces DIR     face photos laid out as <person>/<image> for face-entry shoppers',
    '  --plot FILE     write an HTML plot of accuracy and latency (default with several scenarios: runs/eval.html)',
    `  --close-wait S  after the run, wait at most S seconds for sessions to close (default ${CLOSE_WAIT_S_DEFAULT})`,
    '  --no-generator-bench  skip measuring the bare generator (no broker, one core) per scenario',
  ].join('\n'),
  async run(argv, io) {
    const args = parseArgs(argv, ['json', 'no-generator-bench']);
    if (args.positionals.length === 0) throw new UsageError('name at least one scenario file');
    const json = flagBool(args, 'json');
    const speedFlag = flagString(args, 'speed') ?? String(SPEED_DEFAULT);
    const speed = speedFlag === 'max' ? 'max' : Number(speedFlag);
    if (speed !== 'max' && !(speed > 0)) throw new UsageError(`--speed must be a positive number or 'max', got '${speedFlag}'`);
    const seeds = seedsOf(flagNumber(args, 'seed'), flagString(args, 'seeds'));
    const brokerUrl = flagString(args, 'broker');
    const facesDir = flagString(args, 'faces');
    const closeWaitMs = (flagNumber(args, 'close-wait') ?? CLOSE_WAIT_S_DEFAULT) * 1000;
    const tty = (io.stderr as NodeJS.WriteStream).isTTY === true;
    const showProgress = tty || !json;
    const rows: EvalScores[] = [];
    const runs = args.positionals.flatMap((p) => seeds.map((seed) => ({ p, seed })));
    for (const { p, seed } of runs) {
      if (io.signal.aborted) break;
      const path = resolve(io.cwd, p);
      const label = `${p.replace(/^.*\//, '').replace(/\.ya?ml$/, '')}${seed === undefined ? '' : `#${seed}`}`;
      let lastTenth = -1;
      const onProgress = (pr: SimProgress): void => {
        // Shoppers done is the better measure: a scenario's duration is only a cap.
        const f = Math.max(pr.shoppersDone / Math.max(1, pr.shoppers), pr.simTimeMs / pr.durationMs);
        const detail = `${pr.shoppersDone}/${pr.shoppers} shoppers, ${Math.round(pr.simTimeMs / 1000)} s simulated`;
        if (tty) io.stderr.write(progressLine(label, f, detail));
        else if (Math.floor(f * 10) > lastTenth) {
          lastTenth = Math.floor(f * 10);
          io.stderr.write(`${label}: ${lastTenth * 10}% (${detail})\n`);
        }
      };
      const scores = await evalScenario({
        scenarioPath: path, speed, closeWaitMs, signal: io.signal, benchGenerator: !flagBool(args, 'no-generator-bench'),
        ...(seed !== undefined ? { seed } : {}),
        ...(brokerUrl !== undefined ? { brokerUrl } : {}),
        ...(facesDir !== undefined ? { facesDir: resolve(io.cwd, facesDir) } : {}),
        ...(showProgress ? { onProgress } : {}),
      });
      if (showProgress && tty) clearLine(io.stderr);
      if (!json) io.stderr.write(`${label}: cacc ${scores.cacc.toFixed(3)}, review ${scores.review_rate.toFixed(3)}, ${scores.sessions} sessions\n`);
      rows.push(scores);
    }
    const plotPath = flagString(args, 'plot') ?? (rows.length > 1 && !json ? 'runs/eval.html' : undefined);
    if (plotPath !== undefined) {
      const abs = resolve(io.cwd, plotPath);
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, plotHtml(rows, `tebura eval, ${new Date().toISOString()}`));
    }
    if (json) {
      const strip = (r: EvalScores): Omit<EvalScores, 'mismatches'> & { mismatches: number } => ({ ...r, mismatches: r.mismatches.length });
      io.stdout.write(`${JSON.stringify(rows.length === 1 ? strip(rows[0] as EvalScores) : { runs: rows.map(strip) })}\n`);
    } else {
      io.stdout.write(`${table(rows)}\n`);
      if (plotPath !== undefined) io.stdout.write(`plot: ${plotPath}\n`);
    }
    return 0;
  },
};
