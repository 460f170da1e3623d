// The worker thread that parses rule files for a live reload. Parsing YAML
// is about three quarters of what a reload allocates, and on the main
// thread that garbage makes the collector pause serving. Here the worker
// builds each file's document and sends back only the parsed data, its
// problems and the node positions (SourceFile.parts()), by structured clone.
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { SourceFile } from '../source.js';
import type { ParseReply, ParseRequest } from './worker-parser.js';

/** Nice value of the worker thread: 19 is the lowest priority, 0 the default. */
const PARSE_WORKER_NICE = 10;

if (parentPort === null) {
  throw new Error('parse-worker.js runs only as a worker thread, started by WorkerFileParser');
}
const port = parentPort;

// Serving must win the CPU over parsing. On Linux the nice value belongs to
// each thread (setpriority(2), NPTL), so this lowers only this worker. On
// other systems it would lower the whole process, so it is left alone there.
if (process.platform === 'linux') {
  setPriority(PARSE_WORKER_NICE);
}

port.on('message', (request: ParseRequest) => {
  const source = new SourceFile(request.path, request.text);
  const reply: ParseReply = { id: request.id, parts: source.parts() };
  port.postMessage(reply);
});
