using System.Text.Json.Nodes;
using Vireo.Qemu.Qmp;

namespace Vireo.Qemu.Tests.Qmp;

/// <summary>Each command that carries a secret, as the transcript logs it: the secret gone, everything else kept.</summary>
public class QmpRedactorTests
{
    private const string Secret = "Pa5s,wo\"rd \u00e9";

    private static string Command(string execute, JsonObject arguments) =>
        QmpRedactor.Command(new JsonObject { ["execute"] = execute, ["arguments"] = arguments, ["id"] = 7 });

    [Fact]
    public void Set_password_hides_the_password_and_keeps_the_rest() =>
        Assert.Equal("{\"execute\":\"set_password\",\"arguments\":{\"protocol\":\"vnc\",\"password\":\"<hidden>\",\"connected\":\"keep\"},\"id\":7}",
            Command("set_password", new JsonObject { ["protocol"] = "vnc", ["password"] = Secret, ["connected"] = "keep" }));

    [Fact]
    public void Change_vnc_password_hides_the_password() =>
        Assert.Equal("{\"execute\":\"change-vnc-password\",\"arguments\":{\"password\":\"<hidden>\"},\"id\":7}",
            Command("change-vnc-password", new JsonObject { ["password"] = Secret }));

    [Fact]
    public void Guest_set_user_password_hides_the_password_but_not_the_user() =>
        Assert.Equal("{\"execute\":\"guest-set-user-password\",\"arguments\":{\"username\":\"root\",\"password\":\"<hidden>\",\"crypted\":false},\"id\":7}",
            Command("guest-set-user-password", new JsonObject { ["username"] = "root", ["password"] = Secret, ["crypted"] = false }));

    [Fact]
    public void Object_add_of_a_secret_hides_data_and_iv_but_keeps_ids()
    {
        var line = Command("object-add", new JsonObject
        {
            ["qom-type"] = "secret", ["id"] = "vireo-vda-secret0", ["data"] = Secret, ["keyid"] = "masterKey0", ["iv"] = "aXYxMjM0NTY3ODkwMTIzNA==", ["format"] = "base64",
        });
        Assert.Equal("{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"secret\",\"id\":\"vireo-vda-secret0\",\"data\":\"<hidden>\",\"keyid\":\"masterKey0\",\"iv\":\"<hidden>\",\"format\":\"base64\"},\"id\":7}", line);
    }

    [Fact]
    public void Object_add_in_the_old_props_form_hides_data_too()
    {
        var line = Command("object-add", new JsonObject { ["qom-type"] = "secret", ["id"] = "s0", ["props"] = new JsonObject { ["data"] = Secret } });
        Assert.DoesNotContain("Pa5s", line);
        Assert.Contains("\"props\":{\"data\":\"<hidden>\"}", line);
    }

    [Fact]
    public void Object_add_of_a_secret_read_from_a_file_has_nothing_to_hide()
    {
        var args = new JsonObject { ["qom-type"] = "secret", ["id"] = "masterKey0", ["format"] = "raw", ["file"] = "/var/lib/vireo/qemu/a/master-key.aes" };
        Assert.Equal("{\"execute\":\"object-add\",\"arguments\":" + args.ToJsonString() + ",\"id\":7}", Command("object-add", args));
    }

    [Fact]
    public void Password_members_are_hidden_at_any_depth_and_secret_ids_stay()
    {
        var line = Command("blockdev-add", new JsonObject
        {
            ["driver"] = "rbd", ["node-name"] = "n0", ["key-secret"] = "vireo-vda-secret0",
            ["server"] = new JsonArray(new JsonObject { ["host"] = "mon1", ["passwd"] = Secret }),
            ["auth"] = new JsonObject { ["secret"] = Secret, ["password-secret"] = "sec1" },
        });
        Assert.DoesNotContain("Pa5s", line);
        Assert.Contains("\"key-secret\":\"vireo-vda-secret0\"", line);
        Assert.Contains("\"password-secret\":\"sec1\"", line);
        Assert.Contains("\"passwd\":\"<hidden>\"", line);
        Assert.Contains("\"secret\":\"<hidden>\"", line);
    }

    [Fact]
    public void Qom_set_of_a_secret_property_hides_the_value_and_qom_get_hides_the_reply()
    {
        var set = Command("qom-set", new JsonObject { ["path"] = "/objects/s0", ["property"] = "data", ["value"] = Secret });
        Assert.DoesNotContain("Pa5s", set);
        var reply = QmpRedactor.Reply("qom-get", new JsonObject { ["path"] = "/objects/s0", ["property"] = "password" },
            new JsonObject { ["return"] = Secret, ["id"] = 7 });
        Assert.Equal("{\"return\":\"<hidden>\",\"id\":7}", reply);
        Assert.Equal("{\"return\":\"pc\",\"id\":8}",
            QmpRedactor.Reply("qom-get", new JsonObject { ["path"] = "/machine", ["property"] = "type" }, new JsonObject { ["return"] = "pc", ["id"] = 8 }));
    }

    [Fact]
    public void Replies_and_events_lose_password_members_too() =>
        Assert.Equal("{\"return\":{\"password\":\"<hidden>\",\"enabled\":true},\"id\":3}",
            QmpRedactor.Reply(null, null, new JsonObject { ["return"] = new JsonObject { ["password"] = Secret, ["enabled"] = true }, ["id"] = 3 }));

    [Fact]
    public void A_boolean_password_member_is_a_flag_not_a_secret() =>
        Assert.Contains("\"password\":true", Command("display-update", new JsonObject { ["password"] = true }));

    [Theory]
    [InlineData("set_password vnc Pa5sw0rd", "set_password vnc <hidden>")]
    [InlineData("set_password vnc Pa5sw0rd keep", "set_password vnc <hidden> keep")]
    [InlineData("set_password -d vnc0 vnc Pa5sw0rd", "set_password -d vnc0 vnc <hidden>")]
    [InlineData("set_password spice \"Pa5s w0rd\" fail", "set_password spice <hidden> fail")]
    [InlineData("change vnc password Pa5sw0rd", "change vnc password <hidden>")]
    [InlineData("change vnc password", "change vnc password")]
    [InlineData("change ide1-cd0 /tmp/Pa5s.iso", "change ide1-cd0 /tmp/Pa5s.iso")]
    [InlineData("object_add secret,id=s0,data=Pa5sw0rd,format=raw", "object_add secret,id=s0,data=<hidden>,format=raw")]
    [InlineData("object_add qom-type=secret,id=s0,data=Pa5s,,w0rd,iv=Pa5sIV", "object_add qom-type=secret,id=s0,data=<hidden>,iv=<hidden>")]
    [InlineData("object_add {\"qom-type\":\"secret\",\"id\":\"s0\",\"data\":\"Pa5sw0rd\"}", "object_add {\"qom-type\":\"secret\",\"id\":\"s0\",\"data\":\"<hidden>\"}")]
    [InlineData("object_add {\"qom-type\":\"secret\",\"data\":\"Pa5s", "object_add <hidden>")]
    [InlineData("object_add memory-backend-ram,id=m0,size=1G", "object_add memory-backend-ram,id=m0,size=1G")]
    [InlineData("qom-set /objects/s0 data Pa5sw0rd", "qom-set /objects/s0 data <hidden>")]
    [InlineData("qom-set -j /objects/s0 password \"Pa5sw0rd\"", "qom-set -j /objects/s0 password <hidden>")]
    [InlineData("info status", "info status")]
    public void Hmp_command_lines_lose_their_secret_arguments(string line, string logged)
    {
        Assert.Equal(logged, HmpRedactor.Redact(line));
        var command = Command("human-monitor-command", new JsonObject { ["command-line"] = line });
        Assert.Equal(logged, (string?)JsonNode.Parse(command)!["arguments"]!["command-line"]);
    }

    [Fact]
    public async Task The_transcript_of_a_real_exchange_never_holds_the_vnc_password()
    {
        await using var server = new FakeQmpServer((cmd, s) => s.ReplyAsync(cmd, new JsonObject()));
        var transcript = new List<string>();
        await using (var qmp = await QmpClient.ConnectAsync(server.Path, l => { lock (transcript) transcript.Add(l); }))
            await qmp.SetVncPasswordAsync(Secret);
        lock (server.Received) Assert.Contains(server.Received, l => l.Contains("Pa5s"));
        lock (transcript)
        {
            Assert.Contains(transcript, l => l.StartsWith("QMP send: {\"execute\":\"set_password\"") && l.Contains("\"password\":\"<hidden>\""));
            Assert.DoesNotContain(transcript, l => l.Contains("Pa5s"));
        }
    }
}
