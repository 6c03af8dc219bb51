/**
 * Errors as the AWS SDK throws them for an answer from AWS: a service exception with the error's
 * code as its name, AWS's message, the fault and the HTTP status in its metadata (the SDK's
 * `ServiceException` shape), so that a test's refusal looks to the tools as a real one does.
 */
export function serviceError(name: string, message: string, httpStatusCode = 400): Error {
    return Object.assign(new Error(message), {
        name,
        $fault: httpStatusCode >= 500 ? "server" : "client",
        $metadata: { httpStatusCode, requestId: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", attempts: 1, totalRetryDelay: 0 },
    });
}

/** What the SDK throws when it finds no credentials: nothing was sent. */
export const noCredentials = (): Error => Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" });

/** AWS's refusal of an operator's call, under the code the service uses for it. */
export const notAuthorized = (code = "AccessDeniedException"): Error =>
    serviceError(code, "User: arn:aws:sts::123456789012:assumed-role/operator/ci is not authorized to perform this operation");
