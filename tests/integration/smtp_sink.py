#!/usr/bin/python3
"""A real SMTP server on 127.0.0.1 for tests/integration/deliver_smtp.sh
(aiosmtpd, Debian's python3-aiosmtpd). Each accepted message is one JSON
line in --log: the envelope, the raw message, whether the session was TLS
and who logged in, and the client's port (one port per connection).

What it answers depends on the recipient's local part, so one server
plays every case:
  tempfail-N@...   451 at RCPT TO for the first N tries, then accepted
  reject@...       550 at RCPT TO (a permanent refusal)
  datafail@...     554 after DATA (refused content)
  anything else    250

  smtp_sink.py --port-file F --log F [--cert C --key K [--smtps]] [--auth USER:PASSWORD]
With --cert, STARTTLS is offered and required before MAIL (with --smtps,
TLS from the first byte instead); with --auth, AUTH PLAIN/LOGIN (over TLS)
is required and checked.
"""
import argparse
import asyncio
import json
import ssl

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, log):
        self.log = log
        self.tries = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0]
        if local.startswith("tempfail-"):
            n = self.tries.get(address, 0) + 1
            self.tries[address] = n
            if n <= int(local.split("-")[1]):
                return "451 4.3.0 Mailbox busy, try again later"
        if local == "reject":
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if any(a.startswith("datafail@") for a in envelope.rcpt_tos):
            return "554 5.6.0 Message content rejected"
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.original_content.decode("utf-8", "replace"),
            "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
            "auth": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
            "peer": session.peer[1],
        }
        with open(self.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        return "250 2.0.0 Message accepted for delivery"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--auth")
    p.add_argument("--smtps", action="store_true")
    a = p.parse_args()
    kwargs = {"hostname": "sink.test", "decode_data": False}
    ctx = None
    if a.cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.cert, a.key)
        if not a.smtps:
            kwargs.update(tls_context=ctx, require_starttls=True)
    if a.auth:
        user, password = a.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, data):
            ok = isinstance(data, LoginPassword) and data.login.decode() == user and data.password.decode() == password
            return AuthResult(success=ok, handled=False, auth_data=data if ok else None)

        # aiosmtpd counts only STARTTLS as TLS: with --smtps the socket is TLS already
        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=bool(a.cert) and not a.smtps)
    handler = Handler(a.log)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(lambda: SMTP(handler, loop=loop, **kwargs), host="127.0.0.1", port=0,
                           ssl=ctx if a.smtps else None))
    port = server.sockets[0].getsockname()[1]
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(port))
    import os
    os.rename(a.port_file + ".tmp", a.port_file)
    loop.run_forever()


if __name__ == "__main__":
    main()
