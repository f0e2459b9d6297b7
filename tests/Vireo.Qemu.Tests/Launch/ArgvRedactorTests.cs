using Vireo.Qemu.Launch;

namespace Vireo.Qemu.Tests.Launch;

/// <summary>The command line as logged at start: each value parsed in its own syntax, secrets replaced, the rest byte for byte.</summary>
public class ArgvRedactorTests
{
    [Fact]
    public void Secret_objects_lose_data_and_iv_and_everything_else_is_unchanged()
    {
        string[] argv =
        [
            "/usr/bin/qemu-system-x86_64", "-name", "guest=a,,b,debug-threads=on", "-S",
            "-object", "secret,id=masterKey0,format=raw,file=/var/lib/vireo/qemu/a/master-key.aes",
            "-object", "secret,id=vireo-vda-secret0,data=c2VjcmV0LGRhdGE=,keyid=masterKey0,iv=aXYxMjM0NTY3ODkwMTIzNA==,format=base64",
            "-blockdev", "{\"driver\":\"rbd\",\"pool\":\"p\",\"image\":\"i\",\"key-secret\":\"vireo-vda-secret0\",\"node-name\":\"vireo-vda-storage\"}",
            "-vnc", "127.0.0.1:0,to=99,password=on",
            "-append", "console=ttyS0 quiet",
        ];
        var logged = ArgvRedactor.Redact(argv);
        Assert.Equal("secret,id=vireo-vda-secret0,data=<hidden>,keyid=masterKey0,iv=<hidden>,format=base64", logged[7]);
        Assert.Equal(argv.Where((_, i) => i != 7), logged.Where((_, i) => i != 7));
    }

    [Fact]
    public void Password_values_are_hidden_in_options_and_in_json()
    {
        string[] argv =
        [
            "qemu-system-x86_64",
            "-spice", "port=5900,addr=127.0.0.1,password=Pa5s,,w0rd",
            "-blockdev", "{\"driver\":\"ssh\",\"server\":{\"host\":\"h\"},\"password\":\"Pa5sw0rd\",\"node-name\":\"n\"}",
            "-object", "{\"qom-type\":\"secret\",\"id\":\"s0\",\"data\":\"Pa5sw0rd\"}",
        ];
        var logged = ArgvRedactor.Redact(argv);
        Assert.Equal("port=5900,addr=127.0.0.1,password=<hidden>", logged[2]);
        Assert.DoesNotContain(logged, a => a.Contains("Pa5s"));
        Assert.Contains("\"password\":\"<hidden>\"", logged[4]);
        Assert.Contains("\"data\":\"<hidden>\"", logged[6]);
    }
}
