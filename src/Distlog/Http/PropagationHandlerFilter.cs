using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace Distlog.Http;

/// <summary>Puts a <see cref="DistlogPropagationHandler"/> outermost in every client <c>IHttpClientFactory</c> builds,
/// unless <see cref="DistlogHttpOptions.Propagate"/> is off.</summary>
internal sealed class PropagationHandlerFilter(IOptionsMonitor<DistlogOptions> options) : IHttpMessageHandlerBuilderFilter
{
    public Action<HttpMessageHandlerBuilder> Configure(Action<HttpMessageHandlerBuilder> next) => builder =>
    {
        next(builder);
        if (options.CurrentValue.Http.Propagate)
        {
            builder.AdditionalHandlers.Insert(0, new DistlogPropagationHandler());
        }
    };
}
