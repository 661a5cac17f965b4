#!/usr/bin/env python3
"""A stand-in for api.weixin.qq.com with WeChat's real request and answer shapes,
for the contract run (.ci/contract): the server under test logs in and sends
messages through it. Every non-empty code is valid once; a code starting with
`invalid` is refused with errcode 40029, as WeChat refuses a used or made-up one.

usage: fake_wechat.py PORT APPID SECRET
"""

import hashlib
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

PORT, APPID, SECRET = int(sys.argv[1]), sys.argv[2], sys.argv[3]
TOKEN = "contract-token"


def refused(errcode, errmsg):
    return {"errcode": errcode, "errmsg": errmsg}


def login(query):
    if query.get("appid") != APPID or query.get("secret") != SECRET:
        return refused(40013, "invalid appid")
    if query.get("grant_type") != "authorization_code":
        return refused(40002, "invalid grant_type")
    code = query.get("js_code", "")
    if not code or code.startswith("invalid"):
        return refused(40029, "invalid code")
    openid = "o" + hashlib.sha256(code.encode()).hexdigest()[:27]
    return {"openid": openid, "session_key": "contract-session-key"}


def stable_token(body):
    if body.get("grant_type") != "client_credential" or body.get("appid") != APPID \
            or body.get("secret") != SECRET:
        return refused(40013, "invalid appid")
    return {"access_token": TOKEN, "expires_in": 7200}


def phone_number(query, body):
    if query.get("access_token") != TOKEN:
        return refused(40001, "invalid credential, access_token is invalid or not latest")
    code = str(body.get("code", ""))
    if not code or code.startswith("invalid"):
        return refused(40029, "invalid code")
    digits = str(int(hashlib.sha256(code.encode()).hexdigest(), 16))[:8]
    phone = "139" + digits
    return {
        "errcode": 0,
        "errmsg": "ok",
        "phone_info": {
            "phoneNumber": phone,
            "purePhoneNumber": phone,
            "countryCode": "86",
            "watermark": {"timestamp": 1764208800, "appid": APPID},
        },
    }


def subscribe_send(query):
    if query.get("access_token") != TOKEN:
        return refused(40001, "invalid credential, access_token is invalid or not latest")
    return refused(0, "ok")


class WechatHandler(BaseHTTPRequestHandler):
    def answer(self, body):
        data = json.dumps(body).encode()
        # WeChat answers errors with 200 and an errcode, never with an HTTP error.
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def parts(self):
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        return url.path, query

    def do_GET(self):
        path, query = self.parts()
        if path == "/sns/jscode2session":
            return self.answer(login(query))
        self.answer(refused(40066, "invalid url"))

    def do_POST(self):
        path, query = self.parts()
        length = int(self.headers.get("content-length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return self.answer(refused(47001, "data format error"))
        if path == "/cgi-bin/stable_token":
            return self.answer(stable_token(body))
        if path == "/wxa/business/getuserphonenumber":
            return self.answer(phone_number(query, body))
        if path == "/cgi-bin/message/subscribe/send":
            return self.answer(subscribe_send(query))
        self.answer(refused(40066, "invalid url"))

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", PORT), WechatHandler).serve_forever()
