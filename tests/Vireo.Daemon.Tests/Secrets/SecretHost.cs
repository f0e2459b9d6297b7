using Microsoft.Extensions.Logging;
using Vireo.Daemon.Secrets;
using Vireo.Daemon.State;
using Vireo.Daemon.Tests.Storage;

namespace Vireo.Daemon.Tests.Secrets;

/// <summary>The secret service over a temp root, with every log line kept; Restart builds it again on the same root, as a restarted vireod.</summary>
public sealed class SecretHost : IDisposable
{
    private readonly ILoggerFactory _logging;

    public SecretHost()
    {
        Paths.CreateAll();
        _logging = LoggerFactory.Create(b => b.AddProvider(Log).SetMinimumLevel(LogLevel.Trace));
        Secrets = Start();
    }

    public VireoPaths Paths { get; } = new(Directory.CreateTempSubdirectory("vireo-secrets-").FullName);
    public LogLines Log { get; } = new();
    public SecretService Secrets { get; private set; }

    public string XmlFile(string uuid) => Path.Combine(Paths.SecretDir, uuid + ".xml");
    public string ValueFile(string uuid) => Path.Combine(Paths.SecretDir, uuid + ".value");
    public string HostKeyFile => Path.Combine(Paths.SecretDir, "host.key");

    public void Restart() => Secrets = Start();

    private SecretService Start()
    {
        var s = new SecretService(Paths, _logging.CreateLogger<SecretService>());
        s.Initialize();
        return s;
    }

    public static string Ceph(string uuid, string name, string attrs = "") =>
        $"<secret{attrs}><uuid>{uuid}</uuid><usage type='ceph'><name>{name}</name></usage></secret>";

    public void Dispose()
    {
        _logging.Dispose();
        Directory.Delete(Paths.Root, recursive: true);
    }
}
