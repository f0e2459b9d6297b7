using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Core.Names;
using Vireo.Core.Network;
using Vireo.Core.Storage;
using Vireo.Tests.Shared;

namespace Vireo.Core.Tests.Names;

/// <summary>The one name rule, and that every definition whose name becomes a path applies it naming &lt;name&gt; and its line.</summary>
public class ObjectNameTests
{
    [Theory]
    [InlineData(".", "must not be '.' or '..'")]
    [InlineData("..", "must not be '.' or '..'")]
    [InlineData("a/b", "must not contain '/'")]
    [InlineData("/", "must not contain '/'")]
    [InlineData("a\nb", "U+000A (newline)")]
    [InlineData("a\rb", "U+000D (carriage return)")]
    [InlineData("a\0b", "U+0000 (NUL)")]
    [InlineData("a\tb", "U+0009 (tab)")]
    [InlineData("a\u007fb", "U+007F")]
    [InlineData("a\u0085b", "U+0085")]
    [InlineData("", "must not be empty")]
    public void Bad_names_are_refused(string name, string why) => Assert.Contains(why, ObjectName.Problem(name));

    [Fact]
    public void A_lone_surrogate_has_no_utf8_form_and_is_refused() => Assert.Contains("not valid Unicode", ObjectName.Problem("a\ud800b"));

    [Theory]
    [InlineData("vm1")]
    [InlineData("...")]
    [InlineData(".hidden")]
    [InlineData("my vm, with 'quotes' and #hash=1")]
    [InlineData("ünïcödé-日本-😀")]
    public void Ordinary_and_unusual_but_harmless_names_pass(string name) => Assert.Null(ObjectName.Problem(name));

    [Fact]
    public void The_bound_is_in_utf8_bytes_and_leaves_room_for_suffixes_and_temp_names()
    {
        Assert.Null(ObjectName.Problem(new string('a', ObjectName.MaxBytes)));
        Assert.Contains("at most 192", ObjectName.Problem(new string('a', ObjectName.MaxBytes + 1)));
        // 'é' is two bytes: 97 of them are 194 bytes though only 97 characters.
        Assert.Contains("194 bytes", ObjectName.Problem(new string('é', 97)));
        // The longest file vireod derives from a name, written atomically, must fit NAME_MAX (255).
        var longest = "." + new string('a', ObjectName.MaxBytes) + ".hostsfile" + $".{int.MaxValue}.{Guid.NewGuid():N}.tmp";
        Assert.True(longest.Length <= 255, longest.Length.ToString());
    }

    [Fact]
    public void The_daemon_helper_throws_invalid_argument_with_the_name_printable()
    {
        var e = Assert.Throws<VireoException>(() => ObjectName.EnsureValid("x\ndhcp-script=/tmp/pwn", "domain"));
        Assert.Equal(ErrorCode.InvalidArgument, e.Code);
        Assert.Equal("invalid domain name 'x\\ndhcp-script=/tmp/pwn': must not contain control characters (found U+000A (newline))", e.Message);
        Assert.Equal("ok", ObjectName.EnsureValid("ok", "domain"));
    }

    public static TheoryData<string, string> Definitions() => new()
    {
        { "domain", "<domain type='qemu'>\n<name>{0}</name><memory>65536</memory><os><type>hvm</type></os></domain>" },
        { "network", "<network>\n<name>{0}</name></network>" },
        { "storage pool", "<pool type='dir'>\n<name>{0}</name><target><path>/x</path></target></pool>" },
        { "storage volume", "<volume>\n<name>{0}</name><capacity>1</capacity></volume>" },
    };

    private static void Parse(string what, string xml)
    {
        switch (what)
        {
            case "domain": DomainDefinition.Parse(xml); break;
            case "network": NetworkDefinition.Parse(xml); break;
            case "storage pool": StoragePoolDefinition.Parse(xml); break;
            default: StorageVolumeDefinition.Parse(xml); break;
        }
    }

    [Theory]
    [MemberData(nameof(Definitions))]
    public void Every_definition_refuses_dot_dot_and_newlines_naming_the_element(string what, string template)
    {
        foreach (var (name, why) in new[] { ("..", "must not be '.' or '..'"), (".", "must not be '.' or '..'"), ("a&#10;dhcp-script=/x", "U+000A"), ("a/b", "'/'"), (new string('n', 193), "at most 192") })
        {
            var e = Assert.Throws<VireoException>(() => Parse(what, string.Format(template, name)));
            Assert.Contains($"<name> (line 2): {what} name '", e.Message);
            Assert.Contains(why, e.Message);
            Assert.DoesNotContain("\n", e.Message);
        }
        Parse(what, string.Format(template, "ok name"));
    }

    /// <summary>Generated names: each is refused naming &lt;name&gt; (or, for what XML cannot carry, the line), or is safe as a file name.</summary>
    [Theory]
    [MemberData(nameof(Definitions))]
    public void Generated_names_are_refused_or_safe_as_file_names(string what, string template)
    {
        foreach (var name in FuzzStrings.Values(seed: 11, count: 400))
        {
            try
            {
                Parse(what, string.Format(template, FuzzStrings.Xml(name)));
            }
            catch (VireoException e)
            {
                Assert.True(e.Message.Contains("<name> (line 2)") || e.Code == ErrorCode.InvalidXml && e.Message.Contains("line 2"), e.Message);
                continue;
            }
            var stored = name.Trim();
            Assert.True(stored is not ("" or "." or "..") && !stored.Contains('/') && !stored.Any(char.IsControl), $"accepted '{stored}'");
            Assert.True(System.Text.Encoding.UTF8.GetByteCount(stored + ".console.log") <= 255);
        }
    }

    [Fact]
    public void A_domain_or_network_title_is_one_line()
    {
        var d = Assert.Throws<VireoException>(() => DomainDefinition.Parse("<domain type='qemu'><name>t</name>\n<title>one\ntwo</title><memory>65536</memory><os><type>hvm</type></os></domain>"));
        Assert.Contains("<title> (line 2): the title must be one line", d.Message);
        var n = Assert.Throws<VireoException>(() => NetworkDefinition.Parse("<network><name>n</name>\n<title>a&#13;b</title></network>"));
        Assert.Contains("<title> (line 2)", n.Message);
        Assert.Equal("a title", DomainDefinition.Parse("<domain type='qemu'><name>t</name><title>a title</title><memory>65536</memory><os><type>hvm</type></os></domain>").Title);
    }
}
