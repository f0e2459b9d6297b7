namespace Vireo.Images.Convert;

/// <summary>
/// Producers (reads, zero detection, compression) run several items ahead on the thread pool; one
/// consumer takes the results strictly in order. This is qemu-img convert's shape without -W: on
/// Linux, concurrent buffered writes to one file contend for the inode lock and are several times
/// slower than the same writes issued one after another.
/// </summary>
internal static class OrderedPipeline
{
    public static async Task RunAsync<TIn, TOut>(IEnumerable<TIn> items, int ahead,
        Func<TIn, CancellationToken, Task<TOut>> produce, Func<TOut, Task> consume, CancellationToken ct)
    {
        var pending = new Queue<Task<TOut>>();
        using var source = items.GetEnumerator();
        var more = source.MoveNext();
        try
        {
            while (more || pending.Count > 0)
            {
                while (more && pending.Count < ahead)
                {
                    var item = source.Current;
                    pending.Enqueue(Task.Run(() => produce(item, ct), ct));
                    more = source.MoveNext();
                }
                await consume(await pending.Dequeue());
            }
        }
        finally
        {
            // On failure the producers still running must finish before their buffers are dropped.
            try { await Task.WhenAll(pending); } catch { /* the first failure is already propagating */ }
        }
    }
}
