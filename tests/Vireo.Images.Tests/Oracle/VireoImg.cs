namespace Vireo.Images.Tests.Oracle;

/// <summary>Runs 'vireo img' in-process, capturing what it prints and its exit code.</summary>
public static class VireoImg
{
    public static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var exit = await Cli.VireoCli.RunAsync(["img", .. args], o, e);
        return (exit, o.ToString(), e.ToString());
    }

    /// <summary>The same, bounded: the command is cancelled (and the test told so) when <paramref name="ct"/> fires.</summary>
    public static async Task<(int Exit, string Out, string Err)> RunAsync(CancellationToken ct, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var exit = await Cli.Commands.Img.ImgCommand.RunAsync(args, o, e, ct).WaitAsync(ct);
        return (exit, o.ToString(), e.ToString());
    }
}
