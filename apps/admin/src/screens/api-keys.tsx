export default function Placeholder() {
  return <h1>Soon</h1>;
}
