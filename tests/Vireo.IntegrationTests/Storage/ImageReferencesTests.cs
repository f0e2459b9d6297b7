using System.Diagnostics;
using System.Text.Json.Nodes;
using Vireo.Core.Domain;
using Vireo.Core.Paths;
using Vireo.Host.Files;
using Vireo.Storage.Files;

namespace Vireo.IntegrationTests.Storage;

/// <summary>What an image makes QEMU open besides itself, read by Vireo and checked against qemu-img, the oracle.</summary>
public sealed class ImageReferencesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-refs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private IReadOnlyList<ImageReference> Refs(string image, string format)
    {
        using var h = HostPaths.OpenFile(image, FileAccess.Read);
        return ImageReferences.Read(h, format);
    }

    private static JsonNode Info(string image) => JsonNode.Parse(QemuImg("info", "--output=json", image))!;

    [Theory]
    [InlineData("qcow2")]
    [InlineData("qed")]
    public void A_backing_file_is_read_as_qemu_img_reads_it(string format)
    {
        File.WriteAllBytes(P("base.raw"), new byte[1 << 20]);
        QemuImg("create", "-f", format, "-b", "base.raw", "-F", "raw", P("top." + format));
        var info = Info(P("top." + format));
        var r = Assert.Single(Refs(P("top." + format), format));
        Assert.Equal(("backing file", (string?)info["backing-filename"]), (r.What, r.Name));
        Assert.Equal(P("base.raw"), BackingChain.Locate(P("top." + format), r.Name).Path);
        Assert.Equal("raw", r.Format); // qcow2's backing format extension; QED's no-probe feature bit
        Assert.Equal(format, ImageReferences.Probe(File.ReadAllBytes(P("top." + format)).AsSpan(0, 512)));
    }

    [Fact]
    public void A_qcow2_external_data_file_is_found_and_checked()
    {
        Directory.CreateDirectory(P("in"));
        Directory.CreateDirectory(P("out"));
        var image = P("in/d.qcow2");
        var data = P("out/data.raw");
        QemuImg("create", "-f", "qcow2", "-o", $"data_file={data}", image, "1M");
        var dataFile = (string?)Info(image)["format-specific"]!["data"]!["data-file"];
        var r = Assert.Single(Refs(image, "qcow2"));
        Assert.Equal(("data file", dataFile), (r.What, (string?)r.Name));
        var def = DomainDefinition.Parse($"""
            <domain type='qemu'><name>d</name><memory>65536</memory><os><type>hvm</type></os><devices>
            <disk type='file'><driver name='qemu' type='qcow2'/><source file='{image}'/><target dev='vda'/></disk>
            </devices></domain>
            """);
        var problem = Assert.Single(HostFileCheck.Problems(GuestHostPaths.Of(def), new GuestPathPolicy([P("in")], [])));
        Assert.Contains($"has data file '{data}': '{data}' is outside the directories guests may use", problem);
        Assert.Empty(HostFileCheck.Problems(GuestHostPaths.Of(def), new GuestPathPolicy([_dir], [])));
    }

    [Fact]
    public void Vmdk_extents_and_parent_are_read_as_qemu_img_reads_them()
    {
        QemuImg("create", "-f", "vmdk", "-o", "subformat=monolithicFlat", P("flat.vmdk"), "1M");
        var extents = Info(P("flat.vmdk"))["format-specific"]!["data"]!["extents"]!.AsArray().Select(e => (string?)e!["filename"]).ToList();
        var refs = Refs(P("flat.vmdk"), "vmdk");
        Assert.Equal(extents, refs.Select(r => BackingChain.Locate(P("flat.vmdk"), r.Name).Path));
        Assert.All(refs, r => Assert.Equal("extent", r.What));

        QemuImg("create", "-f", "vmdk", P("parent.vmdk"), "1M");
        QemuImg("create", "-f", "vmdk", "-b", P("parent.vmdk"), "-F", "vmdk", P("child.vmdk"));
        var parent = (string?)Info(P("child.vmdk"))["backing-filename"];
        var r = Assert.Single(Refs(P("child.vmdk"), "vmdk"));
        Assert.Equal(("backing file", parent), (r.What, (string?)r.Name));
    }

    [Fact]
    public void A_vmdk_descriptor_naming_etc_shadow_is_refused_by_the_default_policy()
    {
        File.WriteAllText(P("evil.vmdk"), """
            # Disk DescriptorFile
            version=1
            CID=fffffffe
            parentCID=ffffffff
            createType="monolithicFlat"
            RW 2048 FLAT "/etc/shadow" 0
            """);
        var def = DomainDefinition.Parse($"""
            <domain type='qemu'><name>v</name><memory>65536</memory><os><type>hvm</type></os><devices>
            <disk type='file'><driver name='qemu' type='vmdk'/><source file='{P("evil.vmdk")}'/><target dev='vda'/></disk>
            </devices></domain>
            """);
        var problem = Assert.Single(HostFileCheck.Problems(GuestHostPaths.Of(def), new GuestPathPolicy(null, [])));
        Assert.Contains("has extent '/etc/shadow': '/etc/shadow' lies in the host system directory '/etc/'", problem);
    }

    private static string QemuImg(params string[] args)
    {
        var psi = new ProcessStartInfo("qemu-img") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEnd();
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"qemu-img {string.Join(' ', args)}: {o}{err}");
        return o;
    }
}
