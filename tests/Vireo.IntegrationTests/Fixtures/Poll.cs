namespace Vireo.IntegrationTests.Fixtures;

/// <summary>Waits for a state that nothing signals (a file appearing, a process going), checking every few ms.</summary>
public static class Poll
{
    /// <returns>True once <paramref name="condition"/> holds; false if <paramref name="limit"/> passed first (the limit only bounds a failing test).</returns>
    public static async Task<bool> UntilAsync(Func<bool> condition, TimeSpan limit, int everyMs = 5)
    {
        var deadline = DateTime.UtcNow + limit;
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(everyMs));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) return false;
            await tick.WaitForNextTickAsync();
        }
        return true;
    }
}
