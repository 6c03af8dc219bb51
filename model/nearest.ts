/** The nearest known config key, or value, to a mistyped one: what a refusal offers instead of a list of every one. */

/** The edit distance of two keys, case ignored: how far a typo is from what was meant. */
function distance(a: string, b: string): number {
    const [x, y] = [a.toLowerCase(), b.toLowerCase()];
    let row = Array.from({ length: y.length + 1 }, (_, j) => j);
    for (let i = 1; i <= x.length; i++) {
        const next = [i];
        for (let j = 1; j <= y.length; j++) {
            next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
        }
        row = next;
    }
    return row[y.length];
}

/** The candidate nearest to `text`, case ignored, where one is near enough to be what was meant. */
export function nearestOf(text: string, candidates: readonly string[]): string | undefined {
    const best = candidates.map((candidate) => ({ candidate, score: distance(text, candidate) })).sort((a, b) => a.score - b.score)[0];
    return best !== undefined && best.score <= Math.max(2, Math.floor(text.length / 3)) ? best.candidate : undefined;
}

/** The known key nearest to `key`, its namespace included, where one is near enough to be what was meant. */
export function nearestKey(key: string, known: ReadonlyMap<string, readonly string[]>): string | undefined {
    const name = key.includes(":") ? key.slice(key.indexOf(":") + 1) : key;
    const candidates = [...known].flatMap(([namespace, keys]) => keys.map((k) => `${namespace}:${k}`));
    const scored = candidates.map((candidate) => ({
        candidate,
        // The name alone may be right with the wrong namespace, or none.
        score: Math.min(distance(key, candidate), distance(name, candidate.slice(candidate.indexOf(":") + 1)) + 1),
    }));
    const best = scored.sort((a, b) => a.score - b.score)[0];
    return best !== undefined && best.score <= Math.max(2, Math.floor(name.length / 3)) ? best.candidate : undefined;
}
