using System.Xml.Linq;
using Vireo.Core.Errors;

namespace Vireo.Core.Domain;

public sealed partial class DomainDefinition
{
    /// <summary>
    /// A definition over a copy of <paramref name="root"/>, checked as <see cref="Parse"/> checks text: how an
    /// edited tree becomes a definition without being formatted and parsed again.
    /// </summary>
    public static DomainDefinition FromTree(XElement root)
    {
        var def = new DomainDefinition(new XElement(root));
        var problems = new List<string>();
        def.Load(problems);
        DomainValidator.Validate(def, problems);
        if (problems.Count > 0) throw VireoException.Validation("domain XML", problems);
        return def;
    }
}
