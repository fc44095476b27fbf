/**
 * A list value: O(1) pushes and pops at both ends (a queue fed by LPUSH and drained by RPOP
 * would make a plain array's unshift O(n)). Kept as two stacks: `front` holds the head
 * elements in reverse, `back` the rest in order.
 */
/**
 * When one stack runs dry, the other gives up the half farthest from its top, reversed, so
 * that pops stay O(1) amortised from either end. Returns [what stays, the refilled stack].
 */
const split = (stack: Array<string>): readonly [Array<string>, Array<string>] => {
  const half = Math.ceil(stack.length / 2)
  const moved = stack.slice(0, half)
  moved.reverse()
  return [stack.slice(half), moved]
}

export class Deque {
  private front: Array<string> = []
  private back: Array<string> = []

  get length(): number {
    return this.front.length + this.back.length
  }

  pushFront(value: string): void {
    this.front.push(value)
  }

  pushBack(value: string): void {
    this.back.push(value)
  }

  popFront(): string | undefined {
    if (this.front.length === 0) [this.back, this.front] = split(this.back)
    return this.front.pop()
  }

  popBack(): string | undefined {
    if (this.back.length === 0) [this.front, this.back] = split(this.front)
    return this.back.pop()
  }

  at(index: number): string | undefined {
    const frontLength = this.front.length
    return index < frontLength ? this.front[frontLength - 1 - index] : this.back[index - frontLength]
  }

  set(index: number, value: string): void {
    const frontLength = this.front.length
    if (index < frontLength) this.front[frontLength - 1 - index] = value
    else this.back[index - frontLength] = value
  }

  /** Elements with index in [from, to] (inclusive, already within bounds). */
  slice(from: number, to: number): Array<string> {
    const out: Array<string> = []
    for (let i = from; i <= to; i++) {
      const value = this.at(i)
      if (value !== undefined) out.push(value)
    }
    return out
  }

  toArray(): Array<string> {
    return this.slice(0, this.length - 1)
  }

  replaceAll(items: ReadonlyArray<string>): void {
    this.front = []
    this.back = [...items]
  }
}
