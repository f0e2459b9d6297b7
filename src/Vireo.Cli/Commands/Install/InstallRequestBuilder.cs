using Vireo.Cli.Parsing;
using Vireo.Contracts;

namespace Vireo.Cli.Commands.Install;

/// <summary>Turns virt-install options into an <see cref="InstallRequest"/>; files the options name are read here, on the client.</summary>
public static class InstallRequestBuilder
{
    public static InstallRequest Build(InstallArgs a)
    {
        var name = a["--name"] ?? throw new CliException("--name is required");
        long? memory = null;
        if (a["--memory"] is { } mem)
        {
            var m = InstallArgs.SubOptions(mem, "--memory", "memory");
            memory = InstallArgs.ParseNumber(m.GetValueOrDefault("memory") ?? m.GetValueOrDefault("currentMemory") ?? throw new CliException("--memory needs a size in MiB"), "--memory");
        }
        int? vcpus = null, sockets = null, cores = null, threads = null, maxvcpus = null;
        if (a["--vcpus"] is { } vc)
        {
            var v = InstallArgs.SubOptions(vc, "--vcpus", "vcpus");
            int? I(string k) => v.TryGetValue(k, out var s) ? (int)InstallArgs.ParseNumber(s, $"--vcpus {k}") : null;
            (vcpus, sockets, cores, threads, maxvcpus) = (I("vcpus"), I("sockets"), I("cores"), I("threads"), I("maxvcpus"));
        }
        foreach (var s in a.All("--console").Concat(a.All("--serial")))
            if (s is not null && s.Split(',')[0] != "pty")
                throw new CliException($"--console/--serial '{s}': only pty is supported (the console Vireo serves over its API)");
        var checks = new Dictionary<string, bool>();
        if (a["--check"] is { } check)
            foreach (var (k, v) in InstallArgs.SubOptions(check, "--check"))
            {
                if (k is not ("all" or "disk_size" or "path_in_use"))
                    throw new CliException($"--check: unknown check '{k}' (all, disk_size, path_in_use)");
                checks[k] = v is not ("off" or "no" or "false" or "0");
            }
        return new InstallRequest
        {
            Name = name, MemoryMiB = memory, Vcpus = vcpus, Sockets = sockets, Cores = cores, Threads = threads, MaxVcpus = maxvcpus,
            Cpu = a["--cpu"], VirtType = a["--virt-type"], Arch = a["--arch"], Machine = a["--machine"], OsVariant = a["--osinfo"],
            Location = Local(a["--location"]), Cdrom = Local(a["--cdrom"]), Import = a.Has("--import"), Pxe = a.Has("--pxe"), Boot = a["--boot"],
            Disks = a.All("--disk").Where(d => d != "none").Select(d => Disk(d!)).ToList(),
            Networks = a.Has("--network") ? a.All("--network").Where(n => n != "none").Select(n => Nic(n!)).ToList() : null,
            Graphics = Graphics(a["--graphics"]).Type, GraphicsListen = Graphics(a["--graphics"]).Listen, GraphicsPort = Graphics(a["--graphics"]).Port,
            GraphicsPassword = Graphics(a["--graphics"]).Password, ExtraArgs = a["--extra-args"],
            InitrdInject = a.All("--initrd-inject").Select(f => new InstallFile { Name = f!, Base64 = Convert.ToBase64String(ReadFile(f!, "--initrd-inject")) }).ToList(),
            CloudInit = a.Has("--cloud-init") ? CloudInit(a["--cloud-init"]) : null,
            Transient = a.Has("--transient"), Autostart = a.Has("--autostart"), Checks = checks,
        };
    }

    /// <summary>Local paths go to the daemon absolute; URLs as they are.</summary>
    private static string? Local(string? p) => p is null || p.Contains("://") ? p : Path.GetFullPath(p);

    private static byte[] ReadFile(string path, string option)
    {
        try { return File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new CliException($"{option} {path}: {e.Message}"); }
    }

    private static InstallDisk Disk(string value)
    {
        var o = InstallArgs.SubOptions(value, "--disk", "path");
        var known = new[] { "path", "size", "pool", "vol", "format", "bus", "cache", "sparse", "device" };
        if (o.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
            throw new CliException($"--disk: unknown option '{unknown}' (known: {string.Join(", ", known)})");
        if (o.TryGetValue("path", out var p) && p.Contains('=')) throw new CliException($"--disk: cannot parse '{value}'");
        return new InstallDisk
        {
            Path = o.TryGetValue("path", out var path) ? Local(path) : null, Pool = o.GetValueOrDefault("pool"), Vol = o.GetValueOrDefault("vol"),
            SizeGiB = o.TryGetValue("size", out var size) ? InstallArgs.ParseSize(size, "--disk size") : null,
            Format = o.GetValueOrDefault("format"), Bus = o.GetValueOrDefault("bus"), Cache = o.GetValueOrDefault("cache"),
            Sparse = o.GetValueOrDefault("sparse") is not ("no" or "off" or "false"), Device = o.GetValueOrDefault("device") ?? "disk",
        };
    }

    private static InstallNic Nic(string value)
    {
        var o = InstallArgs.SubOptions(value, "--network", "kind");
        var model = o.GetValueOrDefault("model") ?? o.GetValueOrDefault("model.type");
        var mac = o.GetValueOrDefault("mac") ?? o.GetValueOrDefault("mac.address");
        if (o.TryGetValue("network", out var net)) return new InstallNic { Kind = "network", Source = net, Model = model, Mac = mac };
        if (o.TryGetValue("bridge", out var br)) return new InstallNic { Kind = "bridge", Source = br, Model = model, Mac = mac };
        return o.GetValueOrDefault("kind") switch
        {
            "default" => new InstallNic { Kind = "network", Source = "default", Model = model, Mac = mac },
            "user" => new InstallNic { Kind = "user", Model = model, Mac = mac },
            null => new InstallNic { Kind = "network", Source = "default", Model = model, Mac = mac },
            var other => throw new CliException($"--network '{other}': default, network=NAME, bridge=NAME, user or none"),
        };
    }

    private static (string? Type, string? Listen, int? Port, string? Password) Graphics(string? value)
    {
        if (value is null) return (null, null, null, null);
        var o = InstallArgs.SubOptions(value, "--graphics", "type");
        var type = o.GetValueOrDefault("type") ?? "vnc";
        if (type is not ("vnc" or "spice" or "none")) throw new CliException($"--graphics '{type}': vnc, spice or none");
        int? port = o.TryGetValue("port", out var p) ? (int)InstallArgs.ParseNumber(p, "--graphics port") : null;
        return (type, o.GetValueOrDefault("listen"), port is -1 ? null : port, o.GetValueOrDefault("password"));
    }

    private static InstallCloudInit CloudInit(string? value)
    {
        var o = value is null ? new Dictionary<string, string>() : InstallArgs.SubOptions(value, "--cloud-init");
        var known = new[] { "root-password-generate", "root-password-file", "ssh-key", "user-data", "meta-data", "network-config", "disable", "clouduser-ssh-key" };
        if (o.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
            throw new CliException($"--cloud-init: unknown option '{unknown}' (known: {string.Join(", ", known)})");
        string? Text(string key) => o.TryGetValue(key, out var f) ? System.Text.Encoding.UTF8.GetString(ReadFile(f, $"--cloud-init {key}")) : null;
        var generate = o.GetValueOrDefault("root-password-generate") is "on" or "yes" ||
                       (o.Count == 0 || (!o.ContainsKey("user-data") && !o.ContainsKey("root-password-file") && !o.ContainsKey("ssh-key")));
        return new InstallCloudInit
        {
            UserData = Text("user-data"), MetaData = Text("meta-data"), NetworkConfig = Text("network-config"),
            RootPassword = Text("root-password-file")?.Trim(), RootPasswordGenerate = generate && !o.ContainsKey("user-data"),
            SshKey = Text("ssh-key") ?? Text("clouduser-ssh-key"),
        };
    }
}
