/**
 * The devices every per-device suite runs on (`describe.each(devices)`). Each new backend
 * appends its name here once it passes the suites; each suite calls `await init(device)` first.
 */
import type { Device } from '../src/device.js';

export const devices: Device[] = ['js', 'wasm'];
