using Vireo.Cli.Parsing;

namespace Vireo.Cli.Commands;

public static class DomainLifecycleCommands
{
    public static async Task<int> Start(CliContext ctx, ParsedArgs a)
    {
        // --autodestroy ties the guest to virsh's connection; vireo's requests are not a connection that lasts.
        if (a.Has("autodestroy"))
            throw new CliException("--autodestroy is not supported: vireo holds no connection for the guest's lifetime (use 'vireo create' for a transient domain)");
        // --bypass-cache and --force-boot concern a managed-save image, which Vireo never keeps: every start is a fresh boot.
        var console = a.Has("console");
        // With --console the guest starts paused until the console is attached, so no output is lost.
        var query = a.Has("paused") ? "?paused=true" : console ? "?console=true" : "";
        var name = a.Required("domain");
        var d = await CommandFailedException.Wrap($"Failed to start domain '{name}'", () => ctx.Client.ActionAsync(name, "start", query));
        ctx.Say($"Domain '{d.Name}' started");
        if (!console) return 0;
        return await ConsoleCommand.Attach(ctx, d.Name, a["until"], a.Int("timeout"),
            onAttached: a.Has("paused") ? null : () => ctx.Client.ActionAsync(d.Name, "resume"));
    }

    public static Task<int> Shutdown(CliContext ctx, ParsedArgs a) =>
        Simple(ctx, a, "shutdown", "Domain '{0}' is being shutdown", CheckMode(a));

    public static Task<int> Reboot(CliContext ctx, ParsedArgs a) =>
        Simple(ctx, a, "reboot", "Domain '{0}' is being rebooted", CheckMode(a));

    public static Task<int> Destroy(CliContext ctx, ParsedArgs a) =>
        Simple(ctx, a, "destroy", "Domain '{0}' destroyed", a.Has("graceful") ? "?graceful=true" : "");

    public static Task<int> Reset(CliContext ctx, ParsedArgs a) => Simple(ctx, a, "reset", "Domain '{0}' was reset", "");

    public static Task<int> Suspend(CliContext ctx, ParsedArgs a) => Simple(ctx, a, "suspend", "Domain '{0}' suspended", "");

    public static Task<int> Resume(CliContext ctx, ParsedArgs a) => Simple(ctx, a, "resume", "Domain '{0}' resumed", "");

    private static string CheckMode(ParsedArgs a) =>
        a["mode"] is null or "acpi" ? "" : throw new CliException($"shutdown/reboot mode '{a["mode"]}' is not supported; Vireo uses 'acpi'");

    private static async Task<int> Simple(CliContext ctx, ParsedArgs a, string action, string message, string query)
    {
        var name = a.Required("domain");
        var d = await CommandFailedException.Wrap($"Failed to {action} domain '{name}'", () => ctx.Client.ActionAsync(name, action, query));
        ctx.Say(string.Format(message, d.Name));
        return 0;
    }
}
