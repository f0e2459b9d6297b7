using System.Text;
using System.Text.Json;
using Vireo.Cli.Parsing;
using Vireo.Images;
using Vireo.Images.Qcow2;

namespace Vireo.Cli.Commands.Img;

/// <summary>qemu-img check: problems on stderr, the summary on stdout, qemu-img's exit codes (0, 1, 2, 3, 63).</summary>
public static class ImgCheck
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken ct = default)
    {
        var a = ImgArgs.Parse("check", args, "f:r:hqU", "output=", "force-share", "image-opts", "object=");
        if (a.Operands.Count != 1) throw new CliException("Expecting one image file name");
        var file = a.Operands[0];
        var output = a["output"] ?? "human";
        var repair = a["r"] switch
        {
            null => RepairMode.None,
            "leaks" => RepairMode.Leaks,
            "all" => RepairMode.All,
            var r => throw new CliException($"Unknown option value for -r (expecting 'leaks' or 'all'): {r}"),
        };
        ImgArgs.RequireFile(file);
        var format = a["f"] ?? ImageFormat.Probe(file);
        if (format != "qcow2")
        {
            stderr.WriteLine($"vireo img: This image format does not support checks");
            return 63;
        }
        Qcow2CheckResult result;
        try
        {
            result = await Qcow2Checker.CheckAsync(file, repair, ct);
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException)
        {
            stderr.WriteLine($"vireo img: Could not open '{file}': {ImgCommand.Printable(e.Message)}");
            return 1;
        }
        foreach (var m in result.Warnings.Concat(result.Messages)) stderr.WriteLine(m);
        var human = new StringBuilder();
        if (result.Failure is null && result.LeaksFixed + result.CorruptionsFixed > 0)
        {
            var first = result;
            if (output != "json")
                human.Append($"The following inconsistencies were found and repaired:\n\n    {first.LeaksFixed} leaked clusters\n    {first.CorruptionsFixed} corruptions\n\nDouble checking the fixed image now...\n");
            // A repair that hit a corruption event leaves qemu without the image's driver: the second check cannot run.
            result = first.DriverLost ? new Qcow2CheckResult { Failure = "No medium found" } : await Qcow2Checker.CheckAsync(file, RepairMode.None, ct);
            foreach (var m in result.Messages) stderr.WriteLine(m);
            result.LeaksFixed = first.LeaksFixed;
            result.CorruptionsFixed = first.CorruptionsFixed;
        }
        if (result.Failure is null)
        {
            if (output == "json") human.Append(Json(result, file));
            else Summary(result, human);
        }
        stdout.Write(human.ToString());
        if (result.Failure is not null || result.CheckErrors > 0)
        {
            stderr.WriteLine(result.Failure is null ? "vireo img: Check failed" : $"vireo img: Check failed: {result.Failure}");
            return 1;
        }
        return result.ExitCode;
    }

    /// <summary>qemu-img's human summary (dump_human_image_check).</summary>
    private static void Summary(Qcow2CheckResult result, StringBuilder human)
    {
        if (result.Corruptions == 0 && result.Leaks == 0 && result.CheckErrors == 0)
            human.Append("No errors were found on the image.\n");
        else
        {
            if (result.Corruptions > 0)
                human.Append($"\n{result.Corruptions} errors were found on the image.\nData may be corrupted, or further writes to the image may corrupt it.\n");
            if (result.Leaks > 0)
                human.Append($"\n{result.Leaks} leaked clusters were found on the image.\nThis means waste of disk space, but no harm to data.\n");
            if (result.CheckErrors > 0)
                human.Append($"\n{result.CheckErrors} internal errors have occurred during the check.\n");
        }
        if (result.TotalClusters != 0 && result.AllocatedClusters != 0)
        {
            double alloc = result.AllocatedClusters;
            // printf("%0.2f") rounds halves to even (32/1024 = 3.125 -> "3.12"); .NET's format would round up.
            static string P(double v) => Math.Round(v, 2, MidpointRounding.ToEven).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
            human.Append($"{result.AllocatedClusters}/{result.TotalClusters} = {P(100 * alloc / result.TotalClusters)}% allocated, " +
                $"{P(100 * result.FragmentedClusters / alloc)}% fragmented, {P(100 * result.CompressedClusters / alloc)}% compressed clusters\n");
        }
        if (result.ImageEndOffset > 0) human.Append($"Image end offset: {result.ImageEndOffset}\n");
    }

    /// <summary>qemu-img's JSON, in its key order; zero counters other than check-errors are left out, as qemu does.</summary>
    private static string Json(Qcow2CheckResult r, string file)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, IndentSize = 4 }))
        {
            w.WriteStartObject();
            if (r.ImageEndOffset > 0) w.WriteNumber("image-end-offset", r.ImageEndOffset);
            if (r.CompressedClusters > 0) w.WriteNumber("compressed-clusters", r.CompressedClusters);
            if (r.TotalClusters > 0) w.WriteNumber("total-clusters", r.TotalClusters);
            if (r.Corruptions > 0) w.WriteNumber("corruptions", r.Corruptions);
            if (r.CorruptionsFixed > 0) w.WriteNumber("corruptions-fixed", r.CorruptionsFixed);
            w.WriteNumber("check-errors", r.CheckErrors);
            if (r.Leaks > 0) w.WriteNumber("leaks", r.Leaks);
            if (r.LeaksFixed > 0) w.WriteNumber("leaks-fixed", r.LeaksFixed);
            if (r.AllocatedClusters > 0) w.WriteNumber("allocated-clusters", r.AllocatedClusters);
            w.WriteString("filename", file);
            w.WriteString("format", "qcow2");
            if (r.FragmentedClusters > 0) w.WriteNumber("fragmented-clusters", r.FragmentedClusters);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray()) + "\n";
    }
}
