using Vireo.Cli.Parsing;
using Vireo.Images.Qcow2;

namespace Vireo.Cli.Commands.Img;

/// <summary>'vireo img': qemu-img's subcommands, run locally with Vireo.Images (no daemon, no qemu-img).</summary>
public static class ImgCommand
{
    public const string Usage = """
        usage: vireo img <command> [options]   (qemu-img compatible)

          create   [-f fmt] [-o options] [-b backing_file [-F backing_fmt]] [-u] filename [size]
          info     [-f fmt] [--output=human|json] [--backing-chain] [-U] filename
          convert  [-f fmt] [-O output_fmt] [-o options] [-c] [-p] [-S sparse_size] [-n] [-m num] [-W] [--target-is-zero] filename output_filename
          map      [-f fmt] [--output=human|json] filename
          check    [-f fmt] [--output=human|json] [-r leaks|all] [-U] filename
          compare  [-f fmt] [-F fmt] [-s] [-q] filename1 filename2
          measure  [--output=human|json] [-O output_fmt] [-o options] [--size N | [-f fmt] filename]
          snapshot [-l | -a snapshot | -c snapshot | -d snapshot] filename
          resize   [--shrink] [--preallocation=mode] [-f fmt] filename [+|-]size
          rebase   [-f fmt] [-F backing_fmt] [-u] -b backing_file filename
          commit   [-f fmt] [-b base] [-d] filename
          amend    [-f fmt] -o compat=...,lazy_refcounts=...,backing_file=... filename
          dd       [-f fmt] [-O output_fmt] [bs=block_size] [count=blocks] [skip=blocks] if=input of=output
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken ct = default)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            stdout.WriteLine(Usage);
            return 0;
        }
        try
        {
            return args[0] switch
            {
                "create" => ImgCreate.Run(args[1..], stdout),
                "info" => await ImgInfo.RunAsync(args[1..], stdout),
                "convert" => await ImgConvert.RunAsync(args[1..], stdout, ct),
                "map" => await ImgMap.RunAsync(args[1..], stdout),
                "check" => await ImgCheck.RunAsync(args[1..], stdout, stderr, ct),
                "compare" => await ImgCompare.RunAsync(args[1..], stdout, stderr),
                "measure" => await ImgMeasure.RunAsync(args[1..], stdout),
                "dd" => await ImgDd.RunAsync(args[1..], stdout),
                "snapshot" => await ImgSnapshot.RunAsync(args[1..], stdout, ct),
                "resize" => await ImgResize.RunAsync(args[1..], stdout, stderr, ct),
                "rebase" => await ImgRebase.RunAsync(args[1..], stdout, ct),
                "commit" => await ImgCommit.RunAsync(args[1..], stdout, ct),
                "amend" => await ImgAmend.RunAsync(args[1..], stdout, ct),
                _ => throw new CliException($"Command not found: {args[0]}"),
            };
        }
        catch (Qcow2CorruptionException e)
        {
            // qemu-img's two lines: the corruption event, then the operation that failed.
            stderr.WriteLine(e.Report);
            stderr.WriteLine($"vireo img: {Printable(e.Message)}");
            return 1;
        }
        catch (Exception e) when (e is CliException or IOException or InvalidDataException or NotSupportedException
                                       or ArgumentException or FormatException or UnauthorizedAccessException or InvalidOperationException)
        {
            stderr.WriteLine($"vireo img: {Printable(e.Message)}");
            return 1;
        }
    }

    /// <summary>Names read from a damaged image can hold anything: control characters are shown escaped, so an error stays one line.</summary>
    internal static string Printable(string message) =>
        message.Any(char.IsControl)
            ? string.Concat(message.Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString()))
            : message;
}
