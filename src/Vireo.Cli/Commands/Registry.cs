using Vireo.Cli.Parsing;

namespace Vireo.Cli.Commands;

public delegate Task<int> CommandHandler(CliContext ctx, ParsedArgs args);

public sealed record Command(CommandSpec Spec, CommandHandler Run);

/// <summary>Every command by its virsh name.</summary>
public static class Registry
{
    private static readonly string[] DomainArg = ["domain"];

    public static readonly IReadOnlyDictionary<string, Command> All = new Command[]
    {
        new(new("list", "list domains", [], [], ["all", "inactive", "state-running", "state-shutoff", "state-paused", "name", "uuid", "json", "title", "autostart", "no-autostart", "persistent", "transient"]), DomainListCommands.List),
        new(new("define", "define (but don't start) a domain from an XML file", ["file"], [], ["validate"], 1), DomainDefinitionCommands.Define),
        new(new("undefine", "undefine a domain", DomainArg, [], ["nvram", "keep-nvram", "remove-all-storage"], 1), DomainDefinitionCommands.Undefine),
        new(new("create", "create a domain from an XML file (transient)", ["file"], [], ["paused", "console", "validate"], 1), DomainDefinitionCommands.Create),
        new(new("start", "start a (previously defined) inactive domain", DomainArg, ["until", "timeout"], ["paused", "console", "autodestroy", "bypass-cache", "force-boot"], 1), DomainLifecycleCommands.Start),
        new(new("shutdown", "gracefully shutdown a domain", DomainArg, ["mode"], [], 1), DomainLifecycleCommands.Shutdown),
        new(new("destroy", "destroy (stop) a domain", DomainArg, [], ["graceful"], 1), DomainLifecycleCommands.Destroy),
        new(new("reboot", "reboot a domain", DomainArg, ["mode"], [], 1), DomainLifecycleCommands.Reboot),
        new(new("reset", "reset a domain", DomainArg, [], [], 1), DomainLifecycleCommands.Reset),
        new(new("suspend", "suspend a domain", DomainArg, [], [], 1), DomainLifecycleCommands.Suspend),
        new(new("resume", "resume a domain", DomainArg, [], [], 1), DomainLifecycleCommands.Resume),
        new(new("dominfo", "domain information", DomainArg, [], ["json"], 1), DomainInfoCommands.DomInfo),
        new(new("domstate", "domain state", DomainArg, [], ["reason"], 1), DomainInfoCommands.DomState),
        new(new("domid", "convert a domain name or UUID to domain id", DomainArg, [], [], 1), DomainInfoCommands.DomId),
        new(new("domuuid", "convert a domain name or id to domain UUID", DomainArg, [], [], 1), DomainInfoCommands.DomUuid),
        new(new("domname", "convert a domain id or UUID to domain name", DomainArg, [], [], 1), DomainInfoCommands.DomName),
        new(new("dumpxml", "domain information in XML", DomainArg, ["xpath"], ["inactive", "security-info", "update-cpu", "migratable"], 1), DomainInfoCommands.DumpXml),
        new(new("edit", "edit XML configuration for a domain", DomainArg, [], [], 1), EditCommand.Run),
        new(new("autostart", "autostart a domain", DomainArg, [], ["disable"], 1), DomainDefinitionCommands.Autostart),
        new(new("console", "connect to the guest console", DomainArg, ["devname", "until", "timeout"], ["force", "safe"], 1), ConsoleCommand.Run),
        new(new("vcpuinfo", "detailed domain vcpu information", DomainArg, [], ["pretty", "json"], 1), DomainInfoCommands.VcpuInfo),
        new(new("qemu-monitor-command", "QEMU Monitor Command", ["domain", "cmd"], [], ["hmp", "pretty"], 2), MiscCommands.MonitorCommand),
        new(new("domxml-to-native", "convert domain XML to native format", ["format", "xml"], ["domain"], [], 1), MiscCommands.DomXmlToNative),
        new(new("event", "domain events", ["domain"], ["event", "timeout"], ["loop", "all", "timestamp", "list"]), EventCommand.Run),
        new(new("version", "show version", [], [], ["daemon"]), MiscCommands.Version),
        new(new("uri", "print the hypervisor canonical URI", [], [], []), MiscCommands.Uri),
        new(new("hostname", "print the hypervisor hostname", [], [], []), MiscCommands.Hostname),
    }.ToDictionary(c => c.Spec.Name);
}
