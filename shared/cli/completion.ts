/**
 * Shell completion for `clusterburst`, generated from the commander program itself so it never
 * drifts from the real commands and options: `clusterburst completion bash|zsh|fish`.
 */
import type { Command, Option } from 'commander';

/** Shells `completion` writes a script for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
/** One of SHELLS. */
export type Shell = (typeof SHELLS)[number];

interface Node {
  readonly path: string;
  readonly commands: string[];
  readonly flags: string[];
  readonly options: readonly Option[];
}

const visible = (cmd: Command) => cmd.commands.filter((c) => c.name() !== 'help');

/** Each command path (`''`, `status`, `config check`) with its subcommands and options. */
function nodes(cmd: Command, prefix = ''): Node[] {
  const here: Node = {
    path: prefix,
    commands: visible(cmd).map((c) => c.name()),
    flags: cmd.options.flatMap((o) => [o.short, o.long].filter((f): f is string => !!f)),
    options: cmd.options,
  };
  return [here, ...visible(cmd).flatMap((c) => nodes(c, prefix ? `${prefix} ${c.name()}` : c.name()))];
}

const takesValue = (o: Option) => o.required || o.optional;

function bash(program: Command): string {
  const all = nodes(program);
  const name = program.name();
  const valueFlags = [
    ...new Set(all.flatMap((n) => n.options.filter(takesValue).flatMap((o) => [o.short, o.long]))),
  ]
    .filter(Boolean)
    .join('|');
  const choices = all
    .flatMap((n) => n.options.filter((o) => o.argChoices?.length))
    .map(
      (o) =>
        `    ${[o.short, o.long].filter(Boolean).join('|')}) COMPREPLY=($(compgen -W "${o.argChoices?.join(' ')}" -- "$cur")); return ;;`,
    );
  const cases = all.map((n) => {
    const globals = all[0]?.flags ?? [];
    const words = [...n.commands, ...n.flags, ...(n.path ? globals : [])].join(' ');
    return `    "${n.path}") COMPREPLY=($(compgen -W "${words}" -- "$cur")) ;;`;
  });
  return `# ${name} completion for bash: source <(${name} completion bash)
_${name}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" path="" i skip=0
  case "$prev" in
${[...new Set(choices)].join('\n')}
  esac
  for ((i = 1; i < COMP_CWORD; i++)); do
    local w="\${COMP_WORDS[i]}"
    if ((skip)); then skip=0; continue; fi
    case "$w" in
      ${valueFlags || '--'}) skip=1 ;;
      -*) ;;
      *) case "\${path:+$path }$w" in ${all
        .filter((n) => n.path)
        .map((n) => `"${n.path}"`)
        .join('|')}) path="\${path:+$path }$w" ;; esac ;;
    esac
  done
  case "$path" in
${cases.join('\n')}
  esac
}
complete -F _${name} ${name}
`;
}

function fish(program: Command): string {
  const name = program.name();
  const lines = [`# ${name} completion for fish: ${name} completion fish | source`, `complete -c ${name} -f`];
  for (const n of nodes(program)) {
    const words = n.path.split(' ').filter(Boolean);
    const cond = words.length ? `__fish_seen_subcommand_from ${words.at(-1)}` : '__fish_use_subcommand';
    for (const c of n.commands) lines.push(`complete -c ${name} -n '${cond}' -a ${c}`);
    for (const o of n.options) {
      const flags = [o.short && `-s ${o.short.slice(1)}`, o.long && `-l ${o.long.slice(2)}`]
        .filter(Boolean)
        .join(' ');
      const values = o.argChoices?.length ? ` -xa '${o.argChoices.join(' ')}'` : takesValue(o) ? ' -r' : '';
      const desc = o.description.replace(/'/g, '');
      lines.push(`complete -c ${name} -n '${words.length ? cond : 'true'}' ${flags}${values} -d '${desc}'`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The completion script for `shell`. zsh reuses the bash function through bashcompinit. */
export function completionScript(program: Command, shell: Shell): string {
  if (shell === 'fish') return fish(program);
  if (shell === 'zsh')
    return `# ${program.name()} completion for zsh: source <(${program.name()} completion zsh)\nautoload -U +X bashcompinit && bashcompinit\n${bash(program)}`;
  return bash(program);
}
