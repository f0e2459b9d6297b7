using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace Vireo.Architecture.Tests;

/// <summary>
/// Logging goes through [LoggerMessage] methods, read from the compiled assemblies: no call of the
/// ILogger.LogXxx extension methods, every message with an event id of its own, inside the range
/// docs/architecture.md gives its namespace.
/// </summary>
public partial class LoggingTests
{
    private const BindingFlags Declared =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    private static IEnumerable<Assembly> Ours => SourceProject.All.Select(p => p.Assembly);

    [Fact]
    public void Nothing_logs_through_the_extension_methods()
    {
        var calls = Ours.SelectMany(MethodCalls.In)
            .Where(c => c.Callee.DeclaringType == typeof(LoggerExtensions) && c.Callee.Name.StartsWith("Log", StringComparison.Ordinal))
            .Select(c => $"{c.Caller} calls ILogger.{c.Callee.Name}")
            .Distinct().Order().ToList();
        Assert.True(calls.Count == 0, "log through a [LoggerMessage] method of the area's Log class instead:\n" + string.Join("\n", calls));
    }

    [Fact]
    public void No_two_messages_share_an_event_id()
    {
        var messages = Messages();
        Assert.True(messages.Count >= 50, $"only {messages.Count} [LoggerMessage] methods found: is every assembly loaded?");
        var unnumbered = messages.Where(m => m.Id < 0).Select(m => m.Name).ToList();
        Assert.True(unnumbered.Count == 0, "messages without an event id: " + string.Join(", ", unnumbered));
        var shared = messages.GroupBy(m => m.Id).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Name))}").ToList();
        Assert.True(shared.Count == 0, "event ids used twice:\n" + string.Join("\n", shared));
    }

    [Fact]
    public void Each_event_id_is_in_its_namespaces_range()
    {
        var ranges = DocumentedRanges();
        var overlaps = ranges.SelectMany((a, i) => ranges.Skip(i + 1).Where(b => a.First <= b.Last && b.First <= a.Last)
            .Select(b => $"{a.Namespace} {a.First}-{a.Last} and {b.Namespace} {b.First}-{b.Last}")).ToList();
        Assert.True(overlaps.Count == 0, "overlapping ranges in docs/architecture.md: " + string.Join("; ", overlaps));
        var outside = new List<string>();
        foreach (var m in Messages())
        {
            var range = ranges.Where(r => m.Namespace == r.Namespace || m.Namespace.StartsWith(r.Namespace + ".", StringComparison.Ordinal))
                .MaxBy(r => r.Namespace.Length);
            if (range is null) outside.Add($"{m.Name} ({m.Id}): namespace {m.Namespace} has no range in docs/architecture.md's logging table");
            else if (m.Id < range.First || m.Id > range.Last) outside.Add($"{m.Name} ({m.Id}): outside {range.Namespace}'s {range.First}-{range.Last}");
        }
        Assert.True(outside.Count == 0, string.Join("\n", outside));
    }

    private sealed record Message(string Name, string Namespace, int Id);

    private sealed record IdRange(string Namespace, int First, int Last);

    private static List<Message> Messages() =>
        (from a in Ours
         from t in a.GetTypes()
         from m in t.GetMethods(Declared)
         let attr = m.GetCustomAttribute<LoggerMessageAttribute>()
         where attr is not null
         select new Message($"{t.FullName}.{m.Name}", t.Namespace ?? "", attr.EventId)).ToList();

    private static List<IdRange> DocumentedRanges()
    {
        var rows = Row().Matches(File.ReadAllText(Repo.File("docs", "architecture.md")))
            .Select(r => new IdRange(r.Groups["ns"].Value, int.Parse(r.Groups["first"].Value), int.Parse(r.Groups["last"].Value))).ToList();
        Assert.True(rows.Count > 0, "docs/architecture.md has no logging table ('| 1000-1099 | `Namespace` | area |')");
        return rows;
    }

    [GeneratedRegex(@"^\|\s*(?<first>\d+)-(?<last>\d+)\s*\|\s*`(?<ns>[\w.]+)`\s*\|", RegexOptions.Multiline)]
    private static partial Regex Row();
}
