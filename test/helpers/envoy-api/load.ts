// Loads Envoy's own v3 API protos, as shipped by @grpc/grpc-js-xds, into one
// protobufjs root for the strict configuration check. That package vendors
// data-plane-api, xds, protoc-gen-validate and googleapis under deps/, and its
// ext_proc protos match the Envoy API of mid-2024 (about Envoy 1.31), so a
// field added to Envoy later is reported as unknown here.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';

/**
 * The API files whose messages can appear in ctxproc's shipped configurations,
 * either as a root message or behind an `Any` (`typed_config`). Their imports
 * pull in the rest (clusters, listeners, routes, health checks, core types).
 */
export const ENVOY_API_FILES = [
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/ext_proc/v3/ext_proc.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
] as const;

const DEPENDENCY_DIRECTORIES = ['envoy-api', 'xds', 'protoc-gen-validate', 'googleapis'];

/** Returns the include directories of the protos inside @grpc/grpc-js-xds. */
export function envoyApiIncludeDirectories(): string[] {
  const require = createRequire(import.meta.url);
  const packageDirectory = path.dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
  return DEPENDENCY_DIRECTORIES.map((name) => path.join(packageDirectory, 'deps', name));
}

/** Loads the Envoy API files into a resolved protobufjs root; field names stay snake_case. */
export function loadEnvoyApi(files: readonly string[] = ENVOY_API_FILES): protobuf.Root {
  const includes = envoyApiIncludeDirectories();
  const protobufDirectory = path.dirname(createRequire(import.meta.url).resolve('protobufjs/package.json'));
  const root = new protobuf.Root();

  // google/protobuf/* come from protobufjs: descriptor.proto as a file in the
  // package, the other well-known types from its built-in copies. Every other
  // import is found in the first include directory that has it.
  root.resolvePath = (_origin, target) => {
    if (target.startsWith('google/protobuf/')) {
      const shipped = path.join(protobufDirectory, target);
      return existsSync(shipped) ? shipped : target;
    }
    const found = includes.map((directory) => path.join(directory, target)).find((candidate) => existsSync(candidate));
    if (!found) {
      throw new Error(`proto import ${target} not found under ${includes.join(', ')}; reinstall @grpc/grpc-js-xds`);
    }
    return found;
  };

  root.loadSync([...files], { keepCase: true });
  root.resolveAll();
  return root;
}
