/** Every bench, in the order of the results page. */
import type { Bench } from '../section.js';
import { coldBench } from './cold.js';
import { emailBench } from './email.js';
import { emulatorBench } from './emulator.js';
import { packagesBench } from './packages.js';
import { sizesBench } from './sizes.js';
import { warmBench } from './warm.js';

export const BENCHES: readonly Bench[] = [
  warmBench,
  coldBench,
  sizesBench,
  packagesBench,
  emailBench,
  emulatorBench,
];
