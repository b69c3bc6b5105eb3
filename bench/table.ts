// Table formatting shared by the benchmark scenarios.

/** A GitHub-flavoured markdown table with padded columns; `right` marks right-aligned columns. */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right: readonly boolean[],
): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, i) => (right[i] === true ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `| ${widths.map((width, i) => (right[i] === true ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width))).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** A rate with thousands separators and 3 significant digits. */
export function formatOps(opsPerSec: number): string {
  return Math.round(Number(opsPerSec.toPrecision(3))).toLocaleString('en-US');
}
