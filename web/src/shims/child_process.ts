/**
 * `node:child_process` for lessons in the page: there are no programs to start. (Lesson 5 asks
 * Graphviz to draw its graph; in the page it says it could not, and the .dot file it wrote is
 * shown as text.)
 */
export function spawnSync(command: string): { status: number; stdout: string; stderr: string; error?: Error } {
  return { status: 1, stdout: '', stderr: `a web page cannot run \`${command}\`; the graph's .dot text is shown below` };
}
