// Rule numbers stored under string prefixes, found by walking a value once:
// the cost of a lookup grows with the longest stored prefix the value
// shares, not with the number of prefixes.

class TrieNode {
  /** Rules whose prefix ends at this node. */
  readonly rules: number[] = [];
  /** Children by UTF-16 code unit, the unit String.prototype.startsWith compares. */
  readonly children = new Map<number, TrieNode>();
}

export class PrefixTrie {
  readonly #root = new TrieNode();
  #size = 0;

  /** Number of (prefix, rule) pairs added. */
  get size(): number {
    return this.#size;
  }

  add(prefix: string, rule: number): void {
    let node = this.#root;
    for (let position = 0; position < prefix.length; position += 1) {
      const unit = prefix.charCodeAt(position);
      let child = node.children.get(unit);
      if (child === undefined) {
        child = new TrieNode();
        node.children.set(unit, child);
      }
      node = child;
    }
    node.rules.push(rule);
    this.#size += 1;
  }

  /** Appends to out the rules of every stored prefix that value starts with. */
  collect(value: string, out: number[]): void {
    let node: TrieNode | undefined = this.#root;
    appendAll(node.rules, out);
    for (let position = 0; position < value.length; position += 1) {
      node = node.children.get(value.charCodeAt(position));
      if (node === undefined) {
        return;
      }
      appendAll(node.rules, out);
    }
  }
}

export function appendAll(from: readonly number[], to: number[]): void {
  for (let index = 0; index < from.length; index += 1) {
    to.push(from[index]!);
  }
}
