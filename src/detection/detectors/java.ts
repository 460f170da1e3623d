// Java attacks: JNDI lookups (Log4Shell and its obfuscations), classes that
// run commands or load code, serialized Java objects, and expression
// language or OGNL that reaches the runtime.
import { firstMatch } from '../excerpt.js';
import type { ValueRule } from '../types.js';

const JNDI = /\$\{\s*j\s*n\s*d\s*i\s*:|\$\{\s*(?:ctx|env|sys|main|bundle|k8s|docker|spring|web|date|upper|lower|base64|java|jvmrunargs|marker|map|sd|event|log4j)\s*:[^}]*\$\{|jndi\s*:\s*(?:ldaps?|rmi|dns|iiop|corba|nds|nis|http)\s*:/i;

const JAVA_CLASSES = /\bjava\s*\.\s*(?:lang\s*\.\s*(?:runtime|processbuilder|process|system|class|classloader|reflect|thread|invoke)|io\s*\.\s*(?:file|objectinputstream|fileoutputstream|fileinputstream)|net\s*\.\s*(?:url|socket|urlclassloader)|util\s*\.\s*(?:scanner|base64)|beans\s*\.\s*xmldecoder|\w+\s*\.\s*runtime)\b|\b(?:processbuilder|getruntime\s*\(|runtime\s*\.\s*exec|classloader|urlclassloader|defineclass|getdeclaredmethod|getmethod\s*\(|newinstance\s*\(|forname\s*\(|scriptenginemanager|nashorn|jrunscript|invokertransformer|chainedtransformer|constanttransformer|instantiatetransformer|clonetransformer|templatesimpl|annotationinvocationhandler|badattributevalueexpexception|priorityqueue|hashset|lazymap|transformedmap|jdbcrowsetimpl|xmldecoder|objectinputstream|commons\.collections|springframework\.(?:context|beans|expression)|filesystemxmlapplicationcontext|classpathxmlapplicationcontext|com\.sun\.|sun\.misc\.|org\.apache\.(?:xalan|commons\.(?:collections|beanutils)|tomcat\.|catalina))/i;

const SERIALIZED = /\xac\xed\x00\x05|\brO0AB[A-Za-z0-9+/]|\baced0005|H4sIAAAAAAAA/;

// Struts OGNL and Spring/JSP EL reaching classes or the runtime:
// `%{#_memberAccess…}`, `${T(java.lang.Runtime)}`, `#{…getClass()}`,
// and Spring4Shell's `class.module.classLoader` parameter names. The body
// stops at the next `${`, `%{` or `#{`, where a match can start too. With
// `[^}]` it rescanned 256 characters from each opener of 8 KiB of `${`, 3.5 ms.
const EXPRESSION = /[%$#]\{(?:[^}%$#]|[%$#](?!\{)){0,256}?(?:#_memberaccess|#context|#attr|#request|#session|@java|@ognl|ognlcontext|member_access|t\s*\(\s*java|getclass|getruntime|\.exec\s*\(|new\s+java|\.class\b|classloader|forname|processbuilder|\bjava\.)|(?:^|[^\w])class\s*(?:\.\s*module\s*)?\.\s*classloader|(?:^|[^\w])(?:class|module)\s*\[\s*['"]?classloader|#_memberaccess|@ognl\.ognlcontext|\bognl\b[^\w]|\bxwork\b\.\w+/i;

// Cheap tests that every match of the pattern after them needs, run first
// because most values fail them.
const SERIALIZED_HINT = /rO0AB|aced0005|H4sI|\xac\xed/;
const EXPRESSION_HINT = /\{|class|ognl|xwork|memberaccess/i;

/** Returns the Java attack in `text`, or null. */
export function detectJava(text: string): string | null {
  const collapsed = text.includes('${') ? collapseLookups(text) : text;
  return firstMatch(JNDI, collapsed)
    ?? (text.includes('.') || text.includes('(') || /processbuilder|classloader|transformer|templatesimpl/i.test(text) ? firstMatch(JAVA_CLASSES, text) : null)
    ?? (SERIALIZED_HINT.test(text) ? firstMatch(SERIALIZED, text) : null)
    ?? (EXPRESSION_HINT.test(text) ? firstMatch(EXPRESSION, text) : null);
}

// Log4j resolves nested lookups such as `${lower:j}` or `${::-j}` before
// `jndi:`, so each is replaced by its value. At most eight rounds run, and
// each removes one level of nesting.
function collapseLookups(text: string): string {
  let current = text;
  for (let round = 0; round < 8; round++) {
    const next = current.replace(/\$\{(?!\s*jndi)(?:[^${}:]*:)+(?:-)?([^${}]*)\}/gi, '$1');
    if (next === current) {
      break;
    }
    current = next;
  }
  return current;
}

export const javaRules: ValueRule[] = [{ class: 'java', detector: 'java.runtime', test: detectJava }];
