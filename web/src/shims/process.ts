/**
 * The `process` a lesson sees in the page (the build puts `import { process }` in each lesson):
 * no arguments, no environment, '/' as the working directory. It has no `versions.node`, so
 * nothing mistakes the page for Node.
 */
export const process = {
  argv: ['browser', 'lesson'] as string[],
  env: {} as Record<string, string | undefined>,
  versions: {} as Record<string, string | undefined>,
  platform: 'browser',
  cwd: (): string => '/',
  exit(code = 0): never {
    throw new Error(`the lesson called process.exit(${code})`);
  },
  on(): void {},
};
