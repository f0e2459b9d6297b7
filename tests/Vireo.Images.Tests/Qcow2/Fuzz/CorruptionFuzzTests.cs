using System.Text.Json;
using Vireo.Images.Tests.Oracle;

namespace Vireo.Images.Tests.Qcow2.Fuzz;

/// <summary>
/// Deterministic corruption fuzzing against qemu-img. Each shape of image is damaged in chosen ways (one
/// broken invariant each) and at seeded random places in its metadata; for every damaged image:
/// 'vireo img check' reaches qemu-img check's verdict (clean, leaks, corrupt, check failed: same exit code,
/// same kinds of findings), and one writing command (rotating through all of them) either refuses or leaves
/// an image no worse than qemu-img's own command leaves it, as qemu-img check sees it. A refusal caused by
/// a corruption event writes nothing but the corrupt bit. Every step is bounded by a cancellation token:
/// a hang fails the case, it does not stall the run.
/// </summary>
public class CorruptionFuzzTests(ImageShapes shapes) : IClassFixture<ImageShapes>
{
    /// <summary>Random cases per shape; VIREO_IMG_FUZZ_CASES and VIREO_IMG_FUZZ_SEED run a longer or another fuzz.</summary>
    private static readonly int RandomCases = int.TryParse(Environment.GetEnvironmentVariable("VIREO_IMG_FUZZ_CASES"), out var n) ? n : 14;
    private static readonly int SeedBase = int.TryParse(Environment.GetEnvironmentVariable("VIREO_IMG_FUZZ_SEED"), out var s) ? s : 20261203;
    private static readonly TimeSpan StepBound = TimeSpan.FromSeconds(30);

    private static readonly string[] Shapes = ["v3", "v2-snapshot", "snapshot", "extended-l2", "bitmap", "backing", "small-clusters", "lazy-zstd"];

    public static TheoryData<string> ShapeNames() => new(Shapes);

    [SkippableTheory]
    [MemberData(nameof(ShapeNames))]
    public async Task Damaged_images_are_judged_like_qemu_img_and_never_made_worse(string name)
    {
        Skip.IfNot(QemuTools.Available, QemuTools.Missing);
        var shape = shapes.All[name];
        var seed = Array.IndexOf(Shapes, name) * 100_000 + SeedBase;
        var cases = Damage.Chosen(shape).Concat(Enumerable.Range(0, RandomCases).Select(i => Damage.Random(shape, seed + i))).ToList();
        var writers = FuzzWriter.For(shape);
        using var t = new TempDir();
        var failures = new List<string>();
        for (var i = 0; i < cases.Count; i++)
        {
            var writer = writers[i % writers.Count];
            try
            {
                foreach (var problem in await RunCaseAsync(t, shape, cases[i], writer))
                    failures.Add($"{name} case {i} ({cases[i].What}), {writer.Name}: {problem}");
            }
            catch (OperationCanceledException)
            {
                failures.Add($"{name} case {i} ({cases[i].What}), {writer.Name}: did not finish within {StepBound.TotalSeconds} s");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private async Task<List<string>> RunCaseAsync(TempDir t, ImageShape shape, DamagedImage damaged, FuzzWriter writer)
    {
        var problems = new List<string>();
        var v = Prepare(t, "v", shape, damaged);
        var q = Prepare(t, "q", shape, damaged);

        var before = await QemuCheckAsync(v.Image);
        var mine = await Bounded(ct => VireoImg.RunAsync(ct, "check", "--output=json", v.Image));
        if (mine.Exit != before.Exit)
            problems.Add($"check exit {mine.Exit}, qemu-img {before.Exit}\n  vireo: {Head(mine.Err)}\n  qemu:  {Head(before.Err)}");
        else if (Findings(mine.Out) != Findings(before.Out))
            problems.Add($"check found {Findings(mine.Out)}, qemu-img {Findings(before.Out)}");

        var r = await Bounded(ct => VireoImg.RunAsync(ct, writer.Arguments(v, shapes.Source)));
        var after = await QemuCheckAsync(v.Image);
        // 63: the damage made it something else than qcow2 (qemu-img: "This image format does not support checks").
        if (r.Exit is not (0 or 1) && !(writer.IsRepair && r.Exit is 2 or 3 or 63))
            problems.Add($"exit {r.Exit}: {Head(r.Err)}");
        if (r.Exit != 0 && !r.Err.TrimEnd().Split('\n')[^1].StartsWith("vireo img: ") && !writer.IsRepair)
            problems.Add($"refused without a message: {Head(r.Err)}");
        if (writer.IsRepair)
        {
            // A repair may stop (exit 1) or report what is left, but never claims more than qemu-img check then sees.
            if (r.Exit is 0 or 2 or 3 && Rank(after.Exit) > Rank(r.Exit)) problems.Add($"repair said {r.Exit}, qemu-img check then says {after.Exit}");
            if (r.Exit is 0 or 2 or 3 && Rank(after.Exit) > Rank(before.Exit)) problems.Add($"repair made it worse: {before.Exit} -> {after.Exit}");
            return problems;
        }

        var theirs = await Bounded(ct => QemuTools.RunAsync("qemu-img", ct, writer.Arguments(q, shapes.Source)));
        var theirsAfter = await QemuCheckAsync(q.Image);
        var qemuRefusedOnCorruption = theirs.Err.Contains("Marking image as corrupt");
        if (r.Exit == 0)
        {
            var bound = theirs.Exit == 0 ? Math.Max(Rank(before.Exit), Rank(theirsAfter.Exit)) : Rank(before.Exit);
            if (qemuRefusedOnCorruption && Rank(after.Exit) > 1)
                problems.Add($"qemu-img refused ({Head(theirs.Err)}), vireo went on and left check exit {after.Exit}");
            else if (Rank(after.Exit) > bound)
                problems.Add($"left check exit {after.Exit}; before {before.Exit}, qemu-img's own result {theirsAfter.Exit} (qemu exit {theirs.Exit})");
            if (theirs.Exit == 0 && Rank(before.Exit) <= 1 && (await Bounded(ct => QemuTools.RunAsync("qemu-img", ct, "compare", v.Image, q.Image))).Exit != 0)
                problems.Add("the guest sees different data than after qemu-img's own command");
        }
        // (A dirty image with lazy refcounts is repaired when opened for writing, as qemu does, before anything else.)
        else if (r.Err.Contains("Marking image as corrupt") && writer.WritesNothingFirst && (damaged.Bytes[79] & 1) == 0
                 && new FileInfo(v.Image).Length == damaged.Bytes.Length)
        {
            var bytes = File.ReadAllBytes(v.Image);
            // The feature fields may change: the corrupt bit, and autoclear bits cleared on opening for writing (as qemu does).
            var changed = Enumerable.Range(0, bytes.Length).Where(i => bytes[i] != damaged.Bytes[i] && i is < 72 or >= 96).Take(3).ToList();
            if (changed.Count > 0) problems.Add($"refused on a corruption event but wrote more than the corrupt bit (at {string.Join(", ", changed)})");
        }
        return problems;
    }

    /// <summary>A case directory: the damaged image and an overlay whose backing file it is.</summary>
    private static FuzzFiles Prepare(TempDir t, string side, ImageShape shape, DamagedImage damaged)
    {
        var dir = Directory.CreateDirectory(t[side]).FullName;
        var files = new FuzzFiles(Path.Combine(dir, "img.qcow2"), Path.Combine(dir, "top.qcow2"));
        File.WriteAllBytes(files.Image, damaged.Bytes);
        File.WriteAllBytes(files.Top, shape.Top);
        return files;
    }

    private static Task<(int Exit, string Out, string Err)> QemuCheckAsync(string image) =>
        Bounded(ct => QemuTools.RunAsync("qemu-img", ct, "check", "--output=json", image));

    private static async Task<T> Bounded<T>(Func<CancellationToken, Task<T>> step)
    {
        using var cts = new CancellationTokenSource(StepBound);
        return await step(cts.Token);
    }

    /// <summary>clean < leaks < corrupt < cannot be checked.</summary>
    private static int Rank(int checkExit) => checkExit switch { 0 => 0, 3 => 1, 2 => 2, _ => 3 };

    /// <summary>Which kinds of findings a JSON check result holds (the counts themselves may differ on broken input).</summary>
    private static string Findings(string json)
    {
        if (!json.TrimStart().StartsWith('{')) return "no result";
        using var doc = JsonDocument.Parse(json);
        bool Has(string key) => doc.RootElement.TryGetProperty(key, out var v) && v.GetInt64() > 0;
        return $"corruptions={Has("corruptions")} leaks={Has("leaks")} check-errors={Has("check-errors")}";
    }

    private static string Head(string text) => string.Join(" / ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(3));
}
