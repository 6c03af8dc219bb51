/**
 * An endpoint on the loopback interface that fails as the network or AWS does, for the tools to
 * call through AWS_ENDPOINT_URL: nothing listening, a server that never answers, a page that is
 * not the API's, and AWS's own answers to an expired token and a throttle, each shaped as its
 * API's protocol documents errors (JSON with __type, the query protocol's ErrorResponse, EC2's
 * Response/Errors, and REST-JSON's x-amzn-ErrorType header).
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export type Behaviour = "refuse" | "hang" | "html" | "expired" | "throttle";

/** How a request's API speaks, by what the SDK sends: X-Amz-Target for JSON, a form for the query protocols, else REST. */
type Protocol = "json" | "query" | "ec2" | "rest-json";

function protocolOf(request: http.IncomingMessage, body: string): Protocol {
    if (request.headers["x-amz-target"] !== undefined) {
        return "json";
    }
    if ((request.headers["content-type"] ?? "").includes("application/x-www-form-urlencoded")) {
        return /(^|&)Version=2016-11-15(&|$)/.test(body) ? "ec2" : "query";
    }
    return "rest-json";
}

const REQUEST_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

/** The error each protocol answers, with its status, as the API references show them. */
const ERRORS: Record<"expired" | "throttle", Record<Protocol, { status: number; code: string; message: string }>> = {
    expired: {
        json: { status: 400, code: "ExpiredTokenException", message: "The security token included in the request is expired" },
        query: { status: 403, code: "ExpiredToken", message: "The security token included in the request is expired" },
        ec2: { status: 400, code: "RequestExpired", message: "Request has expired." },
        "rest-json": { status: 403, code: "ExpiredTokenException", message: "The security token included in the request is expired" },
    },
    throttle: {
        json: { status: 400, code: "ThrottlingException", message: "Rate exceeded" },
        query: { status: 400, code: "Throttling", message: "Rate exceeded" },
        ec2: { status: 503, code: "RequestLimitExceeded", message: "Request limit exceeded." },
        "rest-json": { status: 429, code: "TooManyRequestsException", message: "Rate exceeded" },
    },
};

function answer(response: http.ServerResponse, protocol: Protocol, error: { status: number; code: string; message: string }): void {
    const headers: Record<string, string> = { "x-amzn-RequestId": REQUEST_ID };
    let body: string;
    switch (protocol) {
        case "json":
            headers["content-type"] = "application/x-amz-json-1.0";
            body = JSON.stringify({ __type: `com.amazon.coral.service#${error.code}`, message: error.message });
            break;
        case "query":
            headers["content-type"] = "text/xml";
            body = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${error.code}</Code><Message>${error.message}</Message></Error><RequestId>${REQUEST_ID}</RequestId></ErrorResponse>`;
            break;
        case "ec2":
            headers["content-type"] = "text/xml;charset=UTF-8";
            body = `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${error.code}</Code><Message>${error.message}</Message></Error></Errors><RequestID>${REQUEST_ID}</RequestID></Response>`;
            break;
        case "rest-json":
            headers["content-type"] = "application/json";
            headers["x-amzn-ErrorType"] = `${error.code}:http://internal.amazon.com/coral/com.amazon.coral.service/`;
            body = JSON.stringify({ message: error.message });
            break;
    }
    response.writeHead(error.status, headers).end(body);
}

export interface Loopback {
    /** The endpoint, for AWS_ENDPOINT_URL. */
    readonly url: string;
    /** The environment of a tool run against it (loopbackEnvironment), with the shortest timeout where nothing ever answers. */
    readonly environment: Record<string, string | undefined>;
    /** How many requests reached it. */
    requests(): number;
    close(): Promise<void>;
}

/** An endpoint that behaves as `behaviour` says to every request. */
export async function loopback(behaviour: Behaviour): Promise<Loopback> {
    let requests = 0;
    const open = new Set<http.ServerResponse>();
    const server = http.createServer((request, response) => {
        requests++;
        let body = "";
        request.on("data", (chunk: Buffer) => (body += chunk.toString()));
        request.on("end", () => {
            if (behaviour === "hang") {
                open.add(response);
            } else if (behaviour === "html") {
                response
                    .writeHead(200, { "content-type": "text/html; charset=utf-8" })
                    .end("<!DOCTYPE html><html><body><h1>Sign in to the network</h1></body></html>");
            } else if (behaviour === "expired" || behaviour === "throttle") {
                answer(response, protocolOf(request, body), ERRORS[behaviour][protocolOf(request, body)]);
            }
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const close = () =>
        new Promise<void>((resolve) => {
            open.forEach((response) => response.destroy());
            server.closeAllConnections();
            server.close(() => resolve());
        });
    if (behaviour === "refuse") {
        // The port was just free, and nothing listens on it once the server is gone.
        await close();
    }
    const url = `http://127.0.0.1:${port}`;
    return {
        url,
        environment: loopbackEnvironment(url, behaviour === "hang" ? HANG_TIMEOUT_SECONDS : undefined),
        requests: () => requests,
        close: behaviour === "refuse" ? async () => undefined : close,
    };
}

/**
 * How long a tool waits on an endpoint that never answers: all of it idle, so shorter than the
 * timeout of the endpoints that do answer, which must answer within theirs however busy the machine.
 */
const HANG_TIMEOUT_SECONDS = "0.1";

/** That timeout as a regular expression matches it in a message. */
export const HANG_TIMEOUT_PATTERN = HANG_TIMEOUT_SECONDS.replace(".", "\\.");

/** The environment of a tool run against `url`: test credentials, one attempt per call, and short timeouts and progress intervals. */
export function loopbackEnvironment(url: string, timeoutSeconds = "0.3"): Record<string, string | undefined> {
    return {
        AWS_ENDPOINT_URL: url,
        AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
        AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        AWS_SESSION_TOKEN: undefined,
        AWS_PROFILE: undefined,
        AWS_REGION: "us-east-1",
        AWS_MAX_ATTEMPTS: "1",
        STOCK_TRADER_AWS_TIMEOUT_SECONDS: timeoutSeconds,
        STOCK_TRADER_PROGRESS_SECONDS: "0.05",
    };
}

/** Runs `body` with these variables set (undefined: unset), and puts the environment back after. */
export async function withEnvironment<T>(variables: Record<string, string | undefined>, body: () => Promise<T>): Promise<T> {
    const saved = Object.fromEntries(Object.keys(variables).map((key) => [key, process.env[key]]));
    const set = (values: Record<string, string | undefined>) => {
        for (const [key, value] of Object.entries(values)) {
            if (value === undefined) delete process.env[key];
            else process.env[key] = value;
        }
    };
    set(variables);
    try {
        return await body();
    } finally {
        set(saved);
    }
}
