/**
 * The feed's live subscribers, indexed by the one topic each follows (or none: "all"). An event is
 * offered to its topic's subscribers and the unfiltered ones only, so a commit costs work in
 * proportion to who it concerns, not to how many subscribers the instance holds: 1,000 workers
 * each following its own topic's windows cost one filter evaluation per event, not 1,000.
 */
export class TopicRoutes<S> {
  private readonly byTopic = new Map<bigint, Set<S>>();
  private readonly all = new Set<S>();
  private readonly topicOf = new Map<S, bigint | null>();

  get size(): number {
    return this.topicOf.size;
  }

  add(sub: S, topicId: bigint | null): void {
    if (this.topicOf.has(sub)) return;
    this.topicOf.set(sub, topicId);
    if (topicId === null) return void this.all.add(sub);
    let set = this.byTopic.get(topicId);
    if (!set) this.byTopic.set(topicId, (set = new Set()));
    set.add(sub);
  }

  delete(sub: S): void {
    const topicId = this.topicOf.get(sub);
    if (topicId === undefined) return;
    this.topicOf.delete(sub);
    if (topicId === null) return void this.all.delete(sub);
    const set = this.byTopic.get(topicId);
    set?.delete(sub);
    if (set?.size === 0) this.byTopic.delete(topicId); // a topic nobody follows any more holds nothing
  }

  /**
   * Calls `visit` for every subscriber an event of `topicId` concerns: that topic's, then the
   * unfiltered ones. Deleting during the walk is safe (Set iteration skips removed entries).
   */
  forEvent(topicId: bigint, visit: (sub: S) => void): void {
    const set = this.byTopic.get(topicId);
    if (set) for (const s of set) visit(s);
    for (const s of this.all) visit(s);
  }

  /** Every subscriber (shutdown). */
  values(): IterableIterator<S> {
    return this.topicOf.keys();
  }

  clear(): void {
    this.byTopic.clear();
    this.all.clear();
    this.topicOf.clear();
  }
}
