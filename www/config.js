// Page configuration, edited by the branch's IT at deployment.
export default {
  // Origins of the bank's own teller system allowed to embed this page in an
  // iframe and send it customers with postMessage. Messages from any other
  // origin are ignored. Example: ["https://teller.branch.example"]
  allowedOrigins: [],
};
