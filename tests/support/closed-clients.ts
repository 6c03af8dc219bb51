/**
 * Counts the AWS SDK clients that close themselves (destroy, which ends their sockets) while a
 * test's body runs, by class: a tool that leaves a client open keeps its process alive until the
 * sockets time out. The count is kept on each class's prototype for the body's duration only.
 */
export async function closedClients<K extends string>(
    classes: Readonly<Record<K, { prototype: { destroy(): void } }>>,
    body: () => Promise<unknown>,
): Promise<Record<K, number>> {
    const counts = {} as Record<K, number>;
    const restores = (Object.keys(classes) as K[]).map((name) => {
        const prototype = classes[name].prototype;
        const own = Object.getOwnPropertyDescriptor(prototype, "destroy");
        const destroy = prototype.destroy;
        counts[name] = 0;
        prototype.destroy = function (this: unknown): void {
            counts[name]++;
            destroy.call(this);
        };
        return () => (own ? Object.defineProperty(prototype, "destroy", own) : Reflect.deleteProperty(prototype, "destroy"));
    });
    try {
        await body();
    } finally {
        restores.forEach((restore) => restore());
    }
    return counts;
}
