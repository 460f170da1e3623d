// Measures the detectors on go-ftw files by calling them directly on the
// Exchange each replayed transaction would produce. The server path
// (server.ts) is the one the targets are stated for; this one isolates the
// detectors from rules and transport.
import { expandReplayPaths, readReplayFile } from '../../replay/files.js';
import { reflectUpstream } from '../../replay/reflect-upstream.js';
import { detectRequest, detectResponse } from '../index.js';
import { attackClassOf, benignClassesOf, type CrsRule } from './crs-classes.js';
import { exchangeOf } from './exchange-of.js';
import { CorpusTally, requestKey } from './tally.js';

/** Runs every go-ftw stage under `paths` through the detectors and tallies the results. */
export async function measureInProcess(paths: string[], rules: ReadonlyMap<number, CrsRule>): Promise<CorpusTally> {
  const tally = new CorpusTally();
  for (const file of await expandReplayPaths(paths)) {
    for (const item of await readReplayFile(file)) {
      if (item.kind === 'skipped') {
        tally.addSkipped();
        continue;
      }
      if (item.kind !== 'ftw') {
        continue;
      }

      const expectIds = item.expect.ids ?? [];
      const attackClass = attackClassOf(expectIds, rules);
      if (expectIds.length > 0 && attackClass === undefined) {
        tally.addOutOfScope();
        continue;
      }

      const exchange = exchangeOf(item.request, reflectUpstream(item.request));
      const found = attackClass?.side === 'request' ? detectRequest(exchange) : [...detectRequest(exchange), ...detectResponse(exchange)];
      tally.add({
        source: item.source,
        attackClass,
        benignClasses: expectIds.length === 0 ? benignClassesOf(item.expect.noIds ?? [], rules) : [],
        detectedClasses: new Set(found.map((detection) => detection.class)),
        requestKey: requestKey(item.request),
        request: item.request,
      });
    }
  }
  return tally;
}
