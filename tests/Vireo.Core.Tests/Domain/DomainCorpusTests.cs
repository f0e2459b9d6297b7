using Vireo.Core.Domain;
using Vireo.Core.Errors;

namespace Vireo.Core.Tests.Domain;

public class DomainCorpusTests
{
    public static TheoryData<string> Valid => Corpus.Files("domain");
    public static TheoryData<string> Invalid => Corpus.Files("domain-invalid");

    [Theory]
    [MemberData(nameof(Valid))]
    public void Valid_file_round_trips_without_losing_anything(string file)
    {
        var input = Corpus.Read("domain", file);
        var def = DomainDefinition.Parse(input);
        DomainDefaults.Apply(def);
        var output = def.ToXml();
        Assert.Empty(XmlPreservation.Missing(input, output));
        // and the output is itself accepted, and stable
        var again = DomainDefinition.Parse(output).ToXml();
        Assert.Equal(output, again);
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_file_is_rejected_naming_the_element_and_line(string file)
    {
        var ex = Assert.Throws<VireoException>(() => DomainDefinition.Parse(Corpus.Read("domain-invalid", file)));
        Assert.Equal(ErrorCode.XmlValidation, ex.Code);
        Assert.Matches(@"<[a-z]+> \(line \d+\)", ex.Message);
    }

    [Theory]
    [InlineData("boot-dev+order.xml", "per-device boot order")]
    [InlineData("boot-menu-enable-with-timeout-invalid.xml", "65536")]
    [InlineData("chardev-reconnect-invalid-timeout.xml", "reconnect timeout")]
    [InlineData("cpuset-invalid.xml", "cpuset 'aaa'")]
    [InlineData("disk-address-conflict.xml", "drive address 0:0:0:0")]
    [InlineData("disk-missing-target-invalid.xml", "missing <target")]
    [InlineData("disk-same-targets.xml", "target 'sda' is already used")]
    [InlineData("hostdev-pci-duplicate.xml", "host PCI device 0000:06:12.5 is already assigned")]
    [InlineData("hugepages-memaccess-invalid.xml", "memAccess 'invalid'")]
    [InlineData("numatune-memnode-invalid-mode.xml", "'restrictive'")]
    [InlineData("pci-slot-invalid.xml", "PCI slot 0x20")]
    [InlineData("serial-unix-missing-source.xml", "type 'unix' needs <source path")]
    [InlineData("smbios-uuid-match.xml", "does not match the domain <uuid>")]
    [InlineData("usb-ports-out-of-range.xml", "USB port '1.9'")]
    [InlineData("video-multiple-primaries.xml", "only one <video> device can be primary")]
    public void Invalid_file_reports_the_specific_problem(string file, string expected)
    {
        var ex = Assert.Throws<VireoException>(() => DomainDefinition.Parse(Corpus.Read("domain-invalid", file)));
        Assert.Contains(expected, ex.Message);
    }
}
