using Vireo.Cli.Parsing;

namespace Vireo.Cli.Commands;

public delegate Task<int> CommandHandler(CliContext ctx, ParsedArgs args);

public sealed record Command(CommandSpec Spec, CommandHandler Run);

/// <summary>
/// Every command by its virsh name. Each flag listed is honoured by its handler or refused there by
/// name. A few are accepted because what they ask for always happens: --validate (every definition is
/// validated before it is stored), net-list --table (the table is the default), console --safe (one
/// session per console), event --all (lifecycle is the one event type there is), start --bypass-cache
/// and --force-boot (there is never a managed-save image to bypass).
/// </summary>
public static class Registry
{
    private static readonly string[] DomainArg = ["domain"];
    private static readonly string[] PoolArg = ["pool"];
    private static readonly string[] NetArg = ["network"];
    private static readonly string[] ScopeFlags = ["live", "config", "persistent", "current"];
    private static readonly string[] VolArg = ["vol"];
    private static readonly string[] SecretArg = ["secret"];
    private static readonly string[] PoolAsArgs = ["name", "type", "source-host", "source-path", "source-dev", "source-name", "target"];
    private static readonly string[] PoolAsOptions = ["source-port", "source-format", "source-initiator", "auth-type", "auth-username", "secret-usage", "secret-uuid", "adapter-name"];

    public static readonly IReadOnlyDictionary<string, Command> All = new Command[]
    {
        new(new("list", "list domains", [], [], ["all", "inactive", "state-running", "state-shutoff", "state-paused", "name", "uuid", "json", "title", "autostart", "no-autostart", "persistent", "transient"]), DomainListCommands.List),
        new(new("define", "define (but don't start) a domain from an XML file", ["file"], [], ["validate"], 1), DomainDefinitionCommands.Define),
        new(new("undefine", "undefine a domain", DomainArg, ["storage"], ["nvram", "keep-nvram", "remove-all-storage", "wipe-storage"], 1), DomainDefinitionCommands.Undefine),
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
        new(new("dumpxml", "domain information in XML", DomainArg, ["xpath"], ["inactive", "security-info", "update-cpu", "migratable", "wrap"], 1), DomainInfoCommands.DumpXml),
        new(new("edit", "edit XML configuration for a domain", DomainArg, [], [], 1), EditCommand.Run),
        new(new("autostart", "autostart a domain", DomainArg, [], ["disable"], 1), DomainDefinitionCommands.Autostart),
        new(new("console", "connect to the guest console", DomainArg, ["devname", "until", "timeout"], ["force", "safe"], 1), ConsoleCommand.Run),
        new(new("vcpuinfo", "detailed domain vcpu information", DomainArg, [], ["pretty", "json"], 1), DomainInfoCommands.VcpuInfo),
        new(new("qemu-agent-command", "QEMU Guest Agent Command", ["domain", "cmd"], ["timeout"], ["async", "block", "pretty"], 2), MiscCommands.AgentCommand),
        new(new("qemu-monitor-command", "QEMU Monitor Command", ["domain", "cmd"], [], ["hmp", "pretty"], 2), MiscCommands.MonitorCommand),
        new(new("domxml-to-native", "convert domain XML to native format", ["format", "xml"], ["domain"], [], 1), MiscCommands.DomXmlToNative),
        new(new("event", "domain events", ["domain"], ["event", "timeout"], ["loop", "all", "timestamp", "list"]), EventCommand.Run),
        new(new("attach-disk", "attach disk device", ["domain", "source", "target"], ["driver", "subdriver", "type", "mode", "cache", "io", "targetbus", "sourcetype", "serial", "address"], ScopeFlags.Append("print-xml").ToArray(), 3), DiskCommands.AttachDisk),
        new(new("detach-disk", "detach disk device", ["domain", "target"], [], ScopeFlags, 2), DiskCommands.DetachDisk),
        new(new("attach-device", "attach device from an XML file", ["domain", "file"], [], ScopeFlags, 2), DiskCommands.AttachDevice),
        new(new("detach-device", "detach device from an XML file", ["domain", "file"], [], ScopeFlags, 2), DiskCommands.DetachDevice),
        new(new("update-device", "update device from an XML file", ["domain", "file"], [], ScopeFlags.Append("force").ToArray(), 2), DiskCommands.UpdateDevice),
        new(new("change-media", "change media of CD or floppy drive", ["domain", "path", "source"], [], ScopeFlags.Concat(["eject", "insert", "update", "force", "block"]).ToArray(), 2), DiskCommands.ChangeMedia),
        new(new("domblklist", "list all domain blocks", DomainArg, [], ["inactive", "details"], 1), DiskCommands.BlkList),
        new(new("domblkinfo", "domain block device size information", ["domain", "device"], [], ["human", "all"], 1), DiskCommands.BlkInfo),
        new(new("domblkstat", "get device block stats for a domain", ["domain", "device"], [], ["human"], 1), DiskCommands.BlkStat),
        new(new("blockresize", "resize block device of domain", ["domain", "path", "size"], [], [], 3), DiskCommands.BlockResize),
        new(new("net-define", "define an inactive persistent virtual network from an XML file", ["file"], [], ["validate"], 1), NetworkCommands.Define),
        new(new("net-create", "create a network from an XML file", ["file"], [], ["validate"], 1), NetworkCommands.Create),
        new(new("net-edit", "edit XML configuration for a network", NetArg, [], [], 1), EditCommand.RunNetwork),
        new(new("net-start", "start a (previously defined) inactive network", NetArg, [], [], 1), NetworkCommands.Start),
        new(new("net-destroy", "destroy (stop) a network", NetArg, [], [], 1), NetworkCommands.Destroy),
        new(new("net-undefine", "undefine a persistent network", NetArg, [], [], 1), NetworkCommands.Undefine),
        new(new("net-autostart", "autostart a network", NetArg, [], ["disable"], 1), NetworkCommands.Autostart),
        new(new("net-list", "list networks", [], [], ["all", "inactive", "autostart", "no-autostart", "persistent", "transient", "name", "uuid", "json", "table"]), NetworkCommands.List),
        new(new("net-info", "network information", NetArg, [], [], 1), NetworkCommands.Info),
        new(new("net-dumpxml", "network information in XML", NetArg, ["xpath"], ["inactive", "wrap"], 1), NetworkCommands.DumpXml),
        new(new("net-name", "convert a network UUID to network name", NetArg, [], [], 1), NetworkCommands.Name),
        new(new("net-uuid", "convert a network name to network UUID", NetArg, [], [], 1), NetworkCommands.Uuid),
        new(new("net-update", "update parts of an existing network's configuration", ["network", "command", "section", "xml"], ["parent-index"], ["live", "config", "current"], 4), InterfaceCommands.NetUpdate),
        new(new("attach-interface", "attach network interface", ["domain", "type", "source"], ["target", "mac", "model", "script", "inbound", "outbound", "alias", "source-mode"], ScopeFlags.Append("print-xml").ToArray(), 2), InterfaceCommands.AttachInterface),
        new(new("detach-interface", "detach network interface", ["domain", "type"], ["mac"], ScopeFlags, 2), InterfaceCommands.DetachInterface),
        new(new("domiflist", "list all domain virtual interfaces", DomainArg, [], ["inactive"], 1), InterfaceCommands.IfList),
        new(new("domifaddr", "get network interfaces' addresses for a running domain", ["domain", "interface"], ["source"], ["full"], 1), InterfaceCommands.IfAddr),
        new(new("domif-setlink", "set link state of a virtual interface", ["domain", "interface", "state"], [], ["config"], 3), InterfaceCommands.SetLink),
        new(new("domif-getlink", "get link state of a virtual interface", ["domain", "interface"], [], ["config"], 2), InterfaceCommands.GetLink),
        new(new("domifstat", "get network interface stats for a domain", ["domain", "interface"], [], [], 2), InterfaceCommands.IfStat),
        new(new("net-dhcp-leases", "print lease info for a given network", NetArg, ["mac"], [], 1), NetworkCommands.DhcpLeases),
        new(new("pool-define", "define an inactive persistent storage pool from an XML file", ["file"], [], ["validate"], 1), PoolCommands.Define),
        new(new("pool-create", "create a pool from an XML file", ["file"], [], ["build", "overwrite", "no-overwrite", "validate"], 1), PoolCommands.Create),
        new(new("pool-define-as", "define a pool from a set of args", PoolAsArgs, PoolAsOptions, ["print-xml"], 2), PoolCommands.DefineAs),
        new(new("pool-create-as", "create a pool from a set of args", PoolAsArgs, PoolAsOptions, ["print-xml", "build", "overwrite", "no-overwrite"], 2), PoolCommands.CreateAs),
        new(new("pool-build", "build a pool", PoolArg, [], ["overwrite", "no-overwrite"], 1), PoolCommands.Build),
        new(new("pool-start", "start a (previously defined) inactive pool", PoolArg, [], ["build", "overwrite", "no-overwrite"], 1), PoolCommands.Start),
        new(new("pool-destroy", "destroy (stop) a pool", PoolArg, [], [], 1), PoolCommands.Destroy),
        new(new("pool-delete", "delete a pool", PoolArg, [], [], 1), PoolCommands.Delete),
        new(new("pool-undefine", "undefine an inactive pool", PoolArg, [], [], 1), PoolCommands.Undefine),
        new(new("pool-autostart", "autostart a pool", PoolArg, [], ["disable"], 1), PoolCommands.Autostart),
        new(new("pool-refresh", "refresh a pool", PoolArg, [], [], 1), PoolCommands.Refresh),
        new(new("pool-info", "storage pool information", PoolArg, [], ["bytes"], 1), PoolCommands.Info),
        new(new("pool-list", "list pools", [], ["type"], ["all", "inactive", "details", "autostart", "no-autostart", "persistent", "transient", "name", "uuid", "json"]), PoolCommands.List),
        new(new("pool-dumpxml", "pool information in XML", PoolArg, ["xpath"], ["inactive", "wrap"], 1), PoolCommands.DumpXml),
        new(new("pool-edit", "edit XML configuration for a storage pool", PoolArg, [], [], 1), EditCommand.RunPool),
        new(new("pool-name", "convert a pool UUID to pool name", PoolArg, [], [], 1), PoolCommands.Name),
        new(new("pool-uuid", "convert a pool name to pool UUID", PoolArg, [], [], 1), PoolCommands.Uuid),
        new(new("find-storage-pool-sources", "discover potential storage pool sources", ["type", "srcSpec"], [], [], 1), PoolCommands.FindSources),
        new(new("find-storage-pool-sources-as", "find potential storage pool sources", ["type", "host", "port"], ["initiator"], [], 1), PoolCommands.FindSourcesAs),
        new(new("nodeinfo", "node information", [], [], []), NodeCommands.NodeInfo),
        new(new("nodememstats", "Prints memory stats of the node.", [], ["cell"], []), NodeCommands.MemStats),
        new(new("nodecpustats", "Prints cpu stats of the node.", [], ["cpu"], ["percent"]), NodeCommands.CpuStats),
        new(new("freecell", "NUMA free memory", ["cellno"], [], ["all"]), NodeCommands.FreeCell),
        new(new("sysinfo", "print the hypervisor sysinfo", [], [], []), NodeCommands.SysInfo),
        new(new("capabilities", "capabilities", [], [], []), NodeCommands.Capabilities),
        new(new("domcapabilities", "domain capabilities", [], ["virttype", "emulatorbin", "arch", "machine"], []), NodeCommands.DomCapabilities),
        new(new("maxvcpus", "connection vcpu maximum", [], ["type"], []), NodeCommands.MaxVcpus),
        new(new("pool-capabilities", "storage pool capabilities", [], [], []), PoolCommands.Capabilities),
        new(new("vol-create", "create a vol from an XML file", ["pool", "file"], [], ["prealloc-metadata", "validate"], 2), VolumeCommands.Create),
        new(new("vol-create-as", "create a volume from a set of args", ["pool", "name", "capacity"], ["allocation", "format", "backing-vol", "backing-vol-format"], ["prealloc-metadata", "print-xml"], 3), VolumeCommands.CreateAs),
        new(new("vol-create-from", "create a vol, using another volume as input", ["pool", "file", "vol"], ["inputpool"], ["prealloc-metadata", "reflink", "validate"], 3), VolumeCommands.CreateFrom),
        new(new("vol-clone", "clone a volume", ["vol", "newname"], ["pool"], ["prealloc-metadata", "reflink"], 2), VolumeCommands.Clone),
        new(new("vol-delete", "delete a vol", VolArg, ["pool"], ["delete-snapshots"], 1), VolumeCommands.Delete),
        new(new("vol-wipe", "wipe a vol", VolArg, ["pool", "algorithm"], [], 1), VolumeCommands.Wipe),
        new(new("vol-resize", "resize a vol", ["vol", "capacity"], ["pool"], ["allocate", "delta", "shrink"], 2), VolumeCommands.Resize),
        new(new("vol-info", "storage vol information", VolArg, ["pool"], ["bytes", "physical"], 1), VolumeCommands.Info),
        new(new("vol-list", "list vols", PoolArg, [], ["details"], 1), VolumeCommands.List),
        new(new("vol-dumpxml", "vol information in XML", VolArg, ["pool", "xpath"], ["wrap"], 1), VolumeCommands.DumpXml),
        new(new("vol-path", "returns the volume path for a given volume name or key", VolArg, ["pool"], [], 1), VolumeCommands.PathOf),
        new(new("vol-key", "returns the volume key for a given volume name or path", VolArg, ["pool"], [], 1), VolumeCommands.Key),
        new(new("vol-name", "returns the volume name for a given volume key or path", VolArg, [], [], 1), VolumeCommands.Name),
        new(new("vol-pool", "returns the storage pool for a given volume key or path", VolArg, [], ["uuid"], 1), VolumeCommands.Pool),
        new(new("vol-upload", "upload file contents to a volume", ["vol", "file"], ["pool", "offset", "length"], ["sparse"], 2), VolumeCommands.Upload),
        new(new("vol-download", "download volume contents to a file", ["vol", "file"], ["pool", "offset", "length"], ["sparse"], 2), VolumeCommands.Download),
        new(new("secret-define", "define or modify a secret from an XML file", ["file"], [], ["validate"], 1), SecretCommands.Define),
        new(new("secret-undefine", "undefine a secret", SecretArg, [], [], 1), SecretCommands.Undefine),
        new(new("secret-list", "list secrets", [], [], ["ephemeral", "no-ephemeral", "private", "no-private"]), SecretCommands.List),
        new(new("secret-dumpxml", "secret attributes in XML", SecretArg, [], [], 1), SecretCommands.DumpXml),
        new(new("secret-set-value", "set a secret value", ["secret", "base64"], ["file"], ["plain", "interactive"], 1), SecretCommands.SetValue),
        new(new("secret-get-value", "output a secret value", SecretArg, [], ["plain"], 1), SecretCommands.GetValue),
        new(new("version", "show version", [], [], ["daemon"]), MiscCommands.Version),
        new(new("uri", "print the hypervisor canonical URI", [], [], []), MiscCommands.Uri),
        new(new("hostname", "print the hypervisor hostname", [], [], []), MiscCommands.Hostname),
    }.ToDictionary(c => c.Spec.Name);
}
