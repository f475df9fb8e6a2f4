import type { Command } from 'commander';
import { variants } from '../../reference/variants/index.ts';
import type { CliIo } from '../io.ts';

export function registerList(program: Command, io: CliIo, scenarios: readonly { name: string; description: string }[]): void {
  program
    .command('list')
    .description('list the scenarios and the reference-server variants, one line each')
    .action(() => {
      const width = Math.max(...scenarios.map((s) => s.name.length), ...variants.map((v) => v.name.length + 10)) + 2;
      const lines: string[] = [];
      for (const s of scenarios) lines.push(`scenario  ${s.name.padEnd(width)}${s.description}`);
      for (const v of variants) lines.push(`target    ${`reference:${v.name}`.padEnd(width)}${v.mechanism}`);
      io.stdout.write(`${lines.join('\n')}\n`);
    });
}
