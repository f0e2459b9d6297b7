using System.Diagnostics;
using System.Text;
using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Core.Xml;

namespace Vireo.Core.Tests.Xml;

/// <summary>Nesting bombs are refused early, and what is accepted formats small and fast.</summary>
public class SafeXmlLimitsTests
{
    private static string Nested(int levels, string leaf = "")
    {
        var sb = new StringBuilder("<domain type='qemu'><name>deep</name><memory>65536</memory><os><type>hvm</type></os><metadata>\n");
        for (var i = 0; i < levels; i++) sb.Append("<x>");
        sb.Append(leaf);
        for (var i = 0; i < levels; i++) sb.Append("</x>");
        return sb.Append("</metadata></domain>").ToString();
    }

    [Fact]
    public void Libxml2s_256_levels_are_accepted_and_the_257th_is_refused_naming_its_line()
    {
        // <domain> and <metadata> are two levels: 254 more reach 256.
        DomainDefinition.Parse(Nested(254));
        var e = Assert.Throws<VireoException>(() => DomainDefinition.Parse(Nested(255)));
        Assert.Equal(ErrorCode.InvalidXml, e.Code);
        Assert.Contains("XML error in domain XML at line 2", e.Message);
        Assert.Contains("<x> is nested more than 256 elements deep", e.Message);
    }

    [Theory]
    [InlineData(20_000)]
    [InlineData(200_000)]
    public void Nesting_bombs_are_refused_quickly(int levels)
    {
        var sw = Stopwatch.StartNew();
        var e = Assert.Throws<VireoException>(() => DomainDefinition.Parse(Nested(levels)));
        Assert.Equal(ErrorCode.InvalidXml, e.Code);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.Elapsed}");
    }

    [Fact]
    public void A_maximally_nested_definition_formats_small_and_fast()
    {
        // <domain>, <metadata>, 253 <x> and the leaf: 256 levels.
        var d = DomainDefinition.Parse(Nested(253, "<leaf attr='v'>text</leaf>"));
        var sw = Stopwatch.StartNew();
        var xml = d.ToXml();
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2), $"took {sw.Elapsed}");
        // 256 levels indented by two spaces each: about 256 * 256 * 2 * 2 characters, far under the limit.
        Assert.True(xml.Length < 300_000, xml.Length.ToString());
        Assert.Equal(xml, DomainDefinition.Parse(xml).ToXml());
    }

    [Fact]
    public void Wide_content_at_full_depth_is_refused_when_indenting_would_pass_the_limit_not_written_huge()
    {
        // Under 4 MiB as input, but every leaf line would carry ~500 characters of indentation.
        var leaves = string.Concat(Enumerable.Repeat("<y/>", 200_000));
        var d = DomainDefinition.Parse(Nested(253, leaves));
        var sw = Stopwatch.StartNew();
        var before = GC.GetTotalAllocatedBytes();
        var e = Assert.Throws<VireoException>(() => d.ToXml());
        Assert.Equal(ErrorCode.InvalidXml, e.Code);
        Assert.Contains("once indented", e.Message);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed}");
        Assert.True(GC.GetTotalAllocatedBytes() - before < 200L * 1024 * 1024, "formatting allocated without bound");
    }

    [Fact]
    public void The_formatter_still_writes_ordinary_documents_unchanged()
    {
        var x = SafeXml.Parse("<a b='1'><c/><d>t</d></a>", "test").Root!;
        Assert.Equal("<a b='1'>\n  <c/>\n  <d>t</d>\n</a>\n", SafeXml.Format(x));
    }
}
