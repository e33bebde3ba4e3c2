import * as fs from 'node:fs';
import { Command } from 'commander';
import { MobiproxError } from '../../core/errors';
import { runShard } from '../../core/tuner/executor/shardWork';
import { nonNegativeInt } from '../options';

/** `mobiprox shard tasks.json i`: what array task i of a slurm executor's job runs (not for users: hidden). */
export function register(program: Command): void {
  program
    .command('shard <tasks> <index>', { hidden: true })
    .description('run shard <index> of a slurm executor job (its tasks.json)')
    .action(async (tasks: string, index: string) => {
      const dirs = JSON.parse(fs.readFileSync(tasks, 'utf8')) as string[];
      const i = nonNegativeInt(index);
      if (i >= dirs.length) throw new MobiproxError(`shard ${i}: ${tasks} lists ${dirs.length} shards.`, { file: tasks, value: i });
      const r = await runShard(dirs[i]);
      process.stdout.write(`shard ${i}: ${r.kind} done on ${r.host} in ${r.seconds.toFixed(1)} s (${dirs[i]})\n`);
    });
}
