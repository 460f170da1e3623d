// Runs a table of attack and benign values through one value detector, so
// each detector test lists its cases and nothing else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ValueDetector } from '../../../src/detection/types.js';

export interface DetectorCases {
  /** Values the detector must flag. */
  attacks: readonly string[];
  /** Values it must leave alone. */
  benign: readonly string[];
  /** InspectedValue.location passed with each value; default `query.q`. */
  location?: string;
}

/** Registers one test per value: attacks must return a match, benign values null. */
export function testDetector(name: string, detector: ValueDetector, cases: DetectorCases): void {
  const location = cases.location ?? 'query.q';
  for (const value of cases.attacks) {
    test(`${name} flags ${JSON.stringify(value).slice(0, 60)}`, () => {
      assert.notEqual(detector(value, location), null, `${name} missed ${JSON.stringify(value)}`);
    });
  }
  for (const value of cases.benign) {
    test(`${name} passes ${JSON.stringify(value).slice(0, 60)}`, () => {
      const matched = detector(value, location);
      assert.equal(matched, null, `${name} flagged ${JSON.stringify(value)} at ${JSON.stringify(matched)}`);
    });
  }
}
