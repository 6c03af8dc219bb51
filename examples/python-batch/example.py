"""The batch job of the stock-trader workflow, in Python: marks one recorded trade as processed.

The image runs it as `python3 example.py --arg1 <integer> --arg2 <integer>`; the workflow's
container override replaces the arguments and sets TRANSACTION_ID, and the task definition sets
TRANSACTION_TABLE. It honours contract.json, the agreement between the workflow and its batch:
it sets ProcessedAt and the two integers on the trade's existing item, writes one JSON line per
step to standard output and each error as one JSON line to standard error, and exits 0 when
done, 1 when the work failed, 2 when its command or environment is refused.
"""

import argparse
import json
import os
import re
import sys
import time
from datetime import datetime, timezone

EXIT_DONE, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
USAGE = "usage: example.py --arg1 <integer> --arg2 <integer>, each exactly once (environment: TRANSACTION_ID, TRANSACTION_TABLE)"
# Base-10 integers without leading zeros, within what DynamoDB and JSON readers hold exactly.
INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")
LARGEST = 2**53 - 1


def now():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def line(level, step, **fields):
    return json.dumps({"time": now(), "level": level, "step": step, **fields})


def log(step, **fields):
    print(line("info", step, **fields), flush=True)


def log_error(step, **fields):
    print(line("error", step, **fields), file=sys.stderr, flush=True)


class Refused(Exception):
    """A command or an environment the job does not accept."""


class Parser(argparse.ArgumentParser):
    # argparse prints its usage and exits 2; the job says why in its error line instead.
    def error(self, message):
        raise Refused(message)


class Once(argparse.Action):
    # argparse keeps the last of a repeated flag; the job refuses it.
    def __call__(self, parser, namespace, values, option_string=None):
        if getattr(namespace, self.dest) is not None:
            raise Refused(f"{option_string} is given more than once")
        setattr(namespace, self.dest, values)


def integer(text):
    if not INTEGER.fullmatch(text) or abs(int(text)) > LARGEST:
        raise argparse.ArgumentTypeError(f"must be an integer from {-LARGEST} to {LARGEST} (got {json.dumps(text)})")
    return int(text)


def parse(argv):
    parser = Parser(prog="example.py", add_help=False, allow_abbrev=False)
    parser.add_argument("--arg1", type=integer, required=True, action=Once)
    parser.add_argument("--arg2", type=integer, required=True, action=Once)
    return parser.parse_args(argv)


def dynamodb():
    import boto3

    # Older boto3 releases read neither AWS_REGION nor AWS_ENDPOINT_URL, so both are passed on.
    endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ.get("AWS_ENDPOINT_URL")
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    return boto3.client("dynamodb", endpoint_url=endpoint, region_name=region)


def main(argv):
    started = time.monotonic()
    try:
        args = parse(argv)
    except Refused as refusal:
        log_error("usage", reason=str(refusal), usage=USAGE)
        return EXIT_USAGE
    trade = os.environ.get("TRANSACTION_ID")
    table = os.environ.get("TRANSACTION_TABLE")
    for name, value in (("TRANSACTION_ID", trade), ("TRANSACTION_TABLE", table)):
        if not value:
            log_error("usage", reason=f"environment variable {name} must be set", usage=USAGE)
            return EXIT_USAGE
    log("start", transactionId=trade, table=table, arg1=args.arg1, arg2=args.arg2)
    # The AWS SDK loads only for a command and an environment the job accepts: a refusal needs
    # none of it, and an SDK that fails to load still ends the run with an error line.
    from botocore.exceptions import BotoCoreError, ClientError

    processed_at = now()
    try:
        # The condition keeps a stray run from creating a half-empty item.
        dynamodb().update_item(
            TableName=table,
            Key={"Id": {"S": trade}},
            ConditionExpression="attribute_exists(#key)",
            UpdateExpression="SET #processedAt = :processedAt, #arg1 = :arg1, #arg2 = :arg2",
            ExpressionAttributeNames={"#key": "Id", "#processedAt": "ProcessedAt", "#arg1": "Arg1", "#arg2": "Arg2"},
            ExpressionAttributeValues={
                ":processedAt": {"S": processed_at},
                ":arg1": {"N": str(args.arg1)},
                ":arg2": {"N": str(args.arg2)},
            },
        )
    except ClientError as error:
        code = error.response["Error"]["Code"]
        missing = code == "ConditionalCheckFailedException"
        reason = f"transaction {trade} does not exist in table {table}" if missing else f"updating transaction {trade} failed"
        log_error("failed", reason=reason, cause=f"{code}: {error.response['Error'].get('Message', '')}")
        return EXIT_FAILED
    except BotoCoreError as error:
        log_error("failed", reason=f"updating transaction {trade} failed", cause=f"{type(error).__name__}: {error}")
        return EXIT_FAILED
    log("marked-processed", transactionId=trade, processedAt=processed_at)
    log("done", transactionId=trade, durationMs=round((time.monotonic() - started) * 1000))
    return EXIT_DONE


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception as error:  # anything unforeseen still ends with an error line
        log_error("crashed", cause=f"{type(error).__name__}: {error}")
        sys.exit(EXIT_FAILED)
