namespace Vireo.Daemon.Hosting;

public sealed record DaemonOptions
{
    /// <summary>All state lives under this directory (DESIGN.md "State on disk").</summary>
    public string Root { get; init; } = "/";

    /// <summary>Optional loopback TCP listener, "127.0.0.1:16510". Only loopback addresses are accepted.</summary>
    public string? TcpListen { get; init; }

    /// <summary>A file holding the bearer token every TCP request must carry; --listen refuses to start without one.</summary>
    public string? TokenFile { get; init; }

    /// <summary>
    /// Host paths guests may use (disk, kernel, initrd, nvram, chardev sources), as directory prefixes.
    /// Null: any absolute path outside the host's system directories and vireod's own state.
    /// </summary>
    public IReadOnlyList<string>? GuestPaths { get; init; }

    /// <summary>How long any QMP command may take before the request fails and the monitor counts as not answering.</summary>
    public TimeSpan QmpTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A group that may read the domain logs (they are 0640 to it); none: 0600.</summary>
    public string? LogGroup { get; init; }

    /// <summary>Domains may pass arguments to QEMU with &lt;qemu:commandline&gt;, around every check vireod makes.</summary>
    public bool AllowQemuCommandline { get; init; }

    /// <summary>Skip creating the 'default' NAT network (the networking subsystem honours it).</summary>
    public bool NoDefaultNetwork { get; init; }

    public bool Verbose { get; init; }

    /// <summary>Options from the command line over ROOT/etc/vireo/vireod.conf over the defaults.</summary>
    public static DaemonOptions Load(string[] args)
    {
        var fromArgs = Parse(args);
        var fromFile = DaemonConfigFile.Apply(new DaemonOptions { Root = fromArgs.Root }, Path.Combine(fromArgs.Root, DaemonConfigFile.RelativePath));
        return Parse(args, fromFile);
    }

    public static DaemonOptions Parse(string[] args, DaemonOptions? start = null)
    {
        var o = start ?? new DaemonOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"option {args[i]} needs a value");
            o = args[i] switch
            {
                "--root" => o with { Root = Value() },
                "--listen" => o with { TcpListen = Value() },
                "--token-file" => o with { TokenFile = Value() },
                "--no-default-network" => o with { NoDefaultNetwork = true },
                "-v" or "--verbose" => o with { Verbose = true },
                _ => throw new ArgumentException($"unknown option '{args[i]}' (see vireod --help)"),
            };
        }
        return o;
    }

    public const string Usage = """
        usage: vireod [--root DIR] [--listen 127.0.0.1:PORT --token-file FILE] [--no-default-network] [--verbose]

          --root DIR             keep all state under DIR (default /); the API socket is DIR/run/vireo/vireod.sock
          --listen ADDR:PORT     also serve the API on a loopback TCP address (needs --token-file)
          --token-file FILE      the bearer token TCP clients must send (Authorization: Bearer ...): a root-owned
                                 0600 file of at least 32 printable characters (head -c 24 /dev/urandom | base64)
          --no-default-network   do not create the 'default' NAT network
          --verbose              log debug messages

        Settings are also read from DIR/etc/vireo/vireod.conf (key = value, as libvirt's qemu.conf):
          listen = "127.0.0.1:16510"      token_file = "/etc/vireo/token"
          guest_paths = ["/var/lib/vireo/images", "/srv/vms"]    host paths guests may use
          qmp_timeout = 30                seconds a QMP command may take
          log_group = "adm"               group that may read domain logs
          allow_qemu_commandline = 1      let domains pass <qemu:commandline> arguments to QEMU (default 0)
        The command line wins over the file.
        """;
}
