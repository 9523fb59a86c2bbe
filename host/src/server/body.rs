//! The hyper response body: whole bytes, nothing, or a handler's chunk stream.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};

use super::response::{ChunkStream, StreamError};

pub enum OutBody {
    Full(Option<Bytes>),
    Stream(ChunkStream),
}

impl OutBody {
    pub fn full(bytes: impl Into<Bytes>) -> OutBody {
        let bytes = bytes.into();
        OutBody::Full((!bytes.is_empty()).then_some(bytes))
    }
}

impl http_body::Body for OutBody {
    type Data = Bytes;
    type Error = StreamError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, StreamError>>> {
        match self.get_mut() {
            OutBody::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            OutBody::Stream(stream) => match stream.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(chunk))) => Poll::Ready(Some(Ok(Frame::data(chunk)))),
                Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, OutBody::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            OutBody::Full(data) => {
                SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64))
            }
            OutBody::Stream(_) => SizeHint::default(),
        }
    }
}
