/**
 * What `console.log` prints, as Node prints it, so a lesson's output in the page reads the same as
 * in a terminal: strings as they are, a tensor by its own printout (its
 * `Symbol.for('nodejs.util.inspect.custom')` method), arrays as `[ 3, 4 ]`, typed arrays as
 * `Float32Array(5) [ 1, 1, 1, 1, 1 ]`, objects as `{ a: 1 }`. Long arrays stay on one line
 * (Node would wrap them); that is the one difference.
 */

const CUSTOM = Symbol.for('nodejs.util.inspect.custom');
const MAX_ITEMS = 100;

function items(values: ArrayLike<unknown>, depth: number): string {
  const shown = Array.from({ length: Math.min(values.length, MAX_ITEMS) }, (_, i) => inspect(values[i], depth + 1));
  if (values.length > MAX_ITEMS) shown.push(`... ${values.length - MAX_ITEMS} more item${values.length - MAX_ITEMS === 1 ? '' : 's'}`);
  return shown.length === 0 ? '[]' : `[ ${shown.join(', ')} ]`;
}

/** One value as Node's `util.inspect` shows it (strings nested in something get quotes). */
export function inspect(value: unknown, depth = 0): string {
  // tensors, and modules (which are callable, so functions) print themselves
  if ((typeof value === 'object' || typeof value === 'function') && value !== null) {
    const custom = (value as Record<PropertyKey, unknown>)[CUSTOM];
    if (typeof custom === 'function') {
      const shown = (custom as (depth: number, options: object) => unknown).call(value, 2 - depth, {});
      if (shown !== value) return typeof shown === 'string' ? shown : inspect(shown, depth);
    }
  }
  switch (typeof value) {
    case 'string':
      return depth === 0 ? value : `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'undefined':
      return 'undefined';
    case 'function':
      return value.name ? `[Function: ${value.name}]` : '[Function (anonymous)]';
    case 'boolean':
      return String(value);
  }
  if (value === null) return 'null';
  const object = value as Record<PropertyKey, unknown>;
  value = object as object;
  if (value instanceof Error) return value.stack ?? `${value.name}: ${value.message}`;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const array = value as unknown as ArrayLike<unknown>;
    return `${value.constructor.name}(${array.length}) ${items(array, depth)}`;
  }
  if (Array.isArray(value)) return depth > 2 ? '[Array]' : items(value, depth);
  if (value instanceof Map) return `Map(${value.size}) {${[...value].map(([k, v]) => ` ${inspect(k, depth + 1)} => ${inspect(v, depth + 1)}`).join(',')} }`;
  if (value instanceof Set) return `Set(${value.size}) {${[...value].map((v) => ` ${inspect(v, depth + 1)}`).join(',')} }`;
  const ctor = (object as object).constructor;
  const name = ctor && ctor !== Object ? `${ctor.name} ` : '';
  if (depth > 2) return `[${name.trim() || 'Object'}]`;
  const entries = Object.entries(object).map(([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : `'${k}'`}: ${inspect(v, depth + 1)}`);
  return entries.length === 0 ? `${name}{}` : `${name}{ ${entries.join(', ')} }`;
}

/** A `console.log(...args)` line: the values, separated by spaces. */
export function formatLog(args: unknown[]): string {
  return args.map((a) => inspect(a)).join(' ');
}
