namespace Vireo.Daemon.Hosting;

public sealed record DaemonOptions
{
    /// <summary>All state lives under this directory (DESIGN.md "State on disk").</summary>
    public string Root { get; init; } = "/";

    /// <summary>Optional loopback TCP listener, "127.0.0.1:16510". Only loopback addresses are accepted.</summary>
    public string? TcpListen { get; init; }

    /// <summary>Skip creating the 'default' NAT network (the networking subsystem honours it).</summary>
    public bool NoDefaultNetwork { get; init; }

    public bool Verbose { get; init; }

    public static DaemonOptions Parse(string[] args)
    {
        var o = new DaemonOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"option {args[i]} needs a value");
            o = args[i] switch
            {
                "--root" => o with { Root = Value() },
                "--listen" => o with { TcpListen = Value() },
                "--no-default-network" => o with { NoDefaultNetwork = true },
                "-v" or "--verbose" => o with { Verbose = true },
                _ => throw new ArgumentException($"unknown option '{args[i]}' (see vireod --help)"),
            };
        }
        return o;
    }

    public const string Usage = """
        usage: vireod [--root DIR] [--listen 127.0.0.1:PORT] [--no-default-network] [--verbose]

          --root DIR             keep all state under DIR (default /); the API socket is DIR/run/vireo/vireod.sock
          --listen ADDR:PORT     also serve the API on a loopback TCP address
          --no-default-network   do not create the 'default' NAT network
          --verbose              log debug messages
        """;
}
