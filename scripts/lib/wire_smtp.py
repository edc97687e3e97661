"""The SMTP dialogues of scripts/nginx_wire_test.py: for one listener of one SMTP server, what real
nginx sends before authentication, compared byte for byte with the server's "wire" section of
`popcheck compile`. No AUTH completes (each SASL exchange is cancelled with "*", which nginx refuses
as bad base64) and no RCPT is sent, so auth_http is never contacted."""

from wire_common import LineConnection, client_context, listener_is_tls, wire_bytes

MECHANISMS = ("PLAIN", "LOGIN", "CRAM-MD5", "EXTERNAL")


def test_listener(report, server, listener, host, port, prefix):
    wire = server["wire"]
    tls = listener_is_tls(server, listener)
    side = "tls_connection" if tls else "plain_connection"
    invalid = wire_bytes(wire["invalid_command"])
    greeting = wire_bytes(wire["greeting"])
    delay_s = wire["greeting_delay_ms"] / 1000.0

    def ask(conn, label, line, expected, pattern=None):
        got = conn.command(line, expected)
        report.check(f"{prefix} {label}", expected, got, pattern)
        return got

    def auth(conn, label, which):
        for mech in MECHANISMS:
            want = wire["auth"][which][mech]
            got = ask(conn, f"{label}: AUTH {mech}", f"AUTH {mech}", wire_bytes(want["reply"]),
                      want["reply_pattern"])
            if got.startswith(b"334"):
                ask(conn, f"{label}: AUTH {mech}, '*' refused", "*", invalid)

    def quit_(conn, label):
        ask(conn, f"{label}: QUIT", "QUIT", wire_bytes(wire["quit"]))
        report.check(f"{prefix} {label}: close after QUIT", b"", conn.read_eof())

    def connect():
        conn = LineConnection(host, port, client_context() if tls else None)
        got = conn.read_reply(greeting, timeout=delay_s + 5)
        return conn, got

    # E: with smtp_greeting_delay, a client that talks first gets the refusal and is closed.
    if wire["early_talker"] is not None:
        conn = LineConnection(host, port, client_context() if tls else None)
        try:
            conn.send(b"EHLO early.test\r\n")
            early = wire_bytes(wire["early_talker"])
            report.check(f"{prefix} E: EHLO before the greeting", early, conn.read_reply(early))
            report.check(f"{prefix} E: close after the refusal", b"", conn.read_eof())
        finally:
            conn.close()

    # A: the start state of this listener, then STARTTLS and the TLS state after it.
    conn, got = connect()
    try:
        report.check(f"{prefix} A: greeting", greeting, got)
        ask(conn, "A: EHLO", "EHLO client.test", wire_bytes(wire["ehlo"][side]))
        ask(conn, "A: HELO", "HELO client.test", wire_bytes(wire["helo"]))
        auth(conn, "A", side)
        mail = wire_bytes(wire["mail_before_auth"])
        if ask(conn, "A: MAIL before AUTH", "MAIL FROM:<a@example.test>", mail) == wire_bytes(wire["noop"]):
            ask(conn, "A: RSET", "RSET", wire_bytes(wire["noop"]))  # never RCPT: that asks auth_http
        ask(conn, "A: RCPT without MAIL", "RCPT TO:<b@example.test>", wire_bytes(wire["rcpt_without_mail"]))
        ask(conn, "A: EHLO without argument", "EHLO", wire_bytes(wire["helo_without_argument"]))
        ask(conn, "A: NOOP", "NOOP", wire_bytes(wire["noop"]))
        starttls = wire_bytes(wire["starttls"][side])
        if ask(conn, "A: STARTTLS", "STARTTLS", starttls) == starttls and starttls.startswith(b"220") and not tls:
            try:
                conn.start_tls(client_context())
            except (OSError, ValueError) as e:
                report.fail(f"{prefix} A: TLS handshake after STARTTLS", repr(e))
                return
            ask(conn, "A after STARTTLS: EHLO", "EHLO client.test", wire_bytes(wire["ehlo"]["tls_connection"]))
            ask(conn, "A after STARTTLS: HELO", "HELO client.test", wire_bytes(wire["helo"]))
            auth(conn, "A after STARTTLS", "tls_connection")
            ask(conn, "A: STARTTLS after STARTTLS", "STARTTLS", wire_bytes(wire["starttls"]["tls_connection"]))
        quit_(conn, "A")
    finally:
        conn.close()

    # B: the client buffer: a line of exactly client_buffer octets (CR LF included) is taken, one
    # octet more is refused and the connection closed.
    octets = wire["client_buffer"]["octets"]
    if not 16 < octets <= 65536:
        return
    conn, got = connect()
    try:
        report.check(f"{prefix} B: greeting", greeting, got)
        ask(conn, f"B: a line of {octets} octets", "NOOP " + "x" * (octets - 7), wire_bytes(wire["noop"]))
        too_long = wire_bytes(wire["client_buffer"]["too_long"])
        ask(conn, f"B: a line of {octets + 1} octets", "NOOP " + "x" * (octets - 6), too_long)
        report.check(f"{prefix} B: close after a too long line", b"", conn.read_eof())
    finally:
        conn.close()
