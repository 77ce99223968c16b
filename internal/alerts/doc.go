// Package alerts sends a shop's alerts to where its managers already are:
// a WeCom group robot, a DingTalk custom robot, a Feishu/Lark custom bot,
// or e-mail over SMTP (issue 17).
//
// Delivery loses nothing and floods nobody: every message is stored in the
// outbox (models.AlertOutbox) before it is sent; a worker (Service.Run)
// sends due messages, retries with backoff, records every attempt in the
// delivery log, and keeps each channel within its documented rate limit;
// past the limit the waiting messages go out as one summary instead of
// being dropped. One message per event per channel: the outbox's unique
// (channel_id, dedupe_key). A message stored but not yet sent when the
// process stops is sent by the next worker (at least once: a crash after
// the robot accepted a message but before its row was marked sent sends it
// again).
//
// The channels' facts, and where they come from (looked up with the
// search tool; third-party copies of the vendors' pages unless noted):
//
// DingTalk custom robot (自定义机器人), official page
// https://open.dingtalk.com/document/group/custom-robot-access (cited by
// https://learnku.com/articles/68108 and http://zhuoqun.info/article/182):
//   - webhook https://oapi.dingtalk.com/robot/send?access_token=…, POST JSON,
//     UTF-8; message types text, link, markdown, actionCard, feedCard.
//   - security setting 加签: string to sign = timestamp + "\n" + secret,
//     HmacSHA256 keyed with the secret, Base64, then URL-encoded, appended as
//     &timestamp=…&sign=…; timestamp in milliseconds, at most one hour from
//     the robot's clock (https://www.mihaoyun.com/wordpress/?p=391, which
//     quotes the page; https://blog.csdn.net/weixin_31560545/article/details/116255918).
//   - at most 20 messages a minute per robot; past that it is throttled for
//     10 minutes, and the page advises merging many alerts into one markdown
//     summary (https://juejin.cn/post/7129698690297495583,
//     https://help.h3yun.com/contents/1212/2357.html).
//   - error codes 130101 (sending too fast) and 310000 (signature, keyword
//     or IP check failed): taken from the brief; the search found no copy of
//     the error-code table, so they are unverified here. 0 is success.
//
// WeCom group robot (群机器人), official page
// https://developer.work.weixin.qq.com/document/path/91770 (copy:
// https://work.weixin.qq.com/api/doc/90000/90136/91770):
//   - webhook https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…, POST JSON.
//   - message types text, markdown, image, news (the page: "文本(text)、
//     markdown(markdown)、图片(image)、图文(news)四种消息类型"); text content
//     at most 2048 bytes, UTF-8.
//   - image: base64 of the picture and the md5 of its bytes before encoding,
//     at most 2 MB, JPG or PNG (https://wodemingzihenchang.github.io/A/API/WXWork-API.html).
//   - markdown content at most 4096 bytes and 20 messages a minute per
//     robot: from the brief and the same page as we remember it; the excerpt
//     the search returned stops before those lines, so unverified here.
//   - error codes 45009 (frequency limit) and 93000 (invalid webhook key):
//     from the brief; not found by the search, unverified.
//
// Feishu/Lark custom bot (自定义机器人), official page 自定义机器人使用指南
// https://open.larkoffice.com/document/ukTMukTMukTM/ucTM5YjL3ETO24yNxkjN
// (English: https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot):
//   - webhook https://open.feishu.cn/open-apis/bot/v2/hook/<token>, POST JSON;
//     msg_type text, post (rich text), image, share_chat, interactive (card);
//     answer {"code":0,"msg":"success","data":{}}.
//   - "自定义机器人的频率控制……为单租户单机器人 100 次/分钟，5 次/秒"; past it,
//     error 11232 (the same words on the rate-limit page
//     https://open.larkoffice.com/document/ukTMukTMukTM/uUzN04SN3QjL1cDN, which
//     also documents HTTP 429 with code 99991400 for the OpenAPIs).
//   - "发送消息时，请求体的数据大小不能超过 20 KB"; a malformed or oversized body
//     is code 9499 "Bad Request" (https://blog.csdn.net/qq_43108153/article/details/136166075,
//     quoting the page, which also gives 19024 keyword and 19022 IP refusals).
//   - 签名校验: timestamp (seconds, within one hour) + "\n" + secret is the
//     string to sign, used as the HmacSHA256 key over an empty message, then
//     Base64; "timestamp" and "sign" go in the JSON body. Refused: code 19021
//     "sign match fail or timestamp is not within one hour from current time"
//     (https://blog.csdn.net/zhanglili1993/article/details/136473704; the key
//     being the string to sign: the official Go/Java samples as quoted in
//     https://github.com/go-gitea/gitea/pull/34802 and
//     https://blog.csdn.net/ASDQWE09876/article/details/144612767).
//   - an unknown token's code (19001) was not found by the search; the
//     simulator's choice. A custom bot cannot upload images (an image or a
//     card's img needs an image_key from the app API), so the card links to
//     the picture.
//
// E-mail over SMTP (github.com/wneessen/go-mail v0.8.1): STARTTLS required
// (submission, usually 587) or implicit TLS (usually 465), never plain;
// AUTH PLAIN when a username is set; HTML with a plain-text alternative,
// the picture inlined as cid:snapshot.jpg when Config.Picture can read it.
// A 4xx reply (RFC 5321 §4.2.1: transient) is retried with the backoff, a
// 5xx one fails the message with the server's words in the delivery log.
// Its rate is the channel's own setting (DefaultEmailPerMinute).
//
// Where unverified, the simulators (alertsim) and the adapters follow the
// brief; both are written from this list, never from each other.
package alerts
